// LbRegistrarFunction's IAM policy grants every AWS action its code really calls: the events/cloudtrail fixtures
// (ALB, NLB, Classic ELB, no load balancer, update to another ALB, delete, a duplicate delivery) are replayed
// against moto, every SDK call is recorded, and each recorded action must be allowed by the function's own
// statements - DynamoDB actions on the table they went to (state table: Get/Put only; idempotency table).
import { recordAwsCalls } from '../../support/aws-calls';
import { scopeProblems, ungrantedCalls } from '../../support/iam';
import { cloudTrailEvent, createLbRegistrarFixture, createLoadBalancers } from '../../support/lb-scenario';
import { lambdaContext } from '../../support/registrar-fixture';
import { freshZone, useRoute53Guard, ZONE } from '../../support/world';

const guard = useRoute53Guard();

const FIXTURES = [
  'create-service-alb.json',
  'create-service-nlb.json',
  'create-service-classic-elb.json',
  'create-service-no-lb.json',
  'update-service.json',
  'delete-service.json',
];

describe('LbRegistrarFunction IAM', () => {
  it('grants every action the LB registrar calls', async () => {
    const w = await freshZone({ guard: guard() });
    const lbs = await createLoadBalancers(w.vpc);
    const registrar = await createLbRegistrarFixture({ hostedZoneId: w.zoneId, zoneName: ZONE, LB_RECORD_TYPE: 'ALIAS' });

    const recorder = recordAwsCalls();
    const outcomes: string[] = [];
    try {
      for (const file of FIXTURES) outcomes.push((await registrar.handler(cloudTrailEvent(file, lbs), lambdaContext(30_000))).outcome);
      // A duplicate delivery is answered from the idempotency record.
      outcomes.push((await registrar.handler(cloudTrailEvent('delete-service.json', lbs), lambdaContext(30_000))).outcome);
    } finally {
      recorder.stop();
    }
    expect(outcomes.slice(0, FIXTURES.length)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);

    expect([...recorder.actions].sort()).toEqual(
      expect.arrayContaining([
        'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeLoadBalancers',
        'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets',
        'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
      ]),
    );
    const { stateTableName, idempotencyTableName } = registrar.config;
    const tables = { [stateTableName]: 'StateTable', [idempotencyTableName!]: 'IdempotencyTable' };
    expect(recorder.calls.some((c) => c.table === stateTableName)).toBe(true);
    expect(recorder.calls.some((c) => c.table === idempotencyTableName)).toBe(true);
    expect(ungrantedCalls('LbRegistrarFunction', recorder.calls, tables)).toEqual([]);
    // ...and no statement is wider than its action's least-privilege scope (Resource and Condition).
    expect(scopeProblems('LbRegistrarFunction')).toEqual([]);
  });
});
