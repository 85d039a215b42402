// HealthCheckerFunction's IAM policy grants every AWS action its code really calls: a representative history is
// run through the scheduled handler against moto (failing task deregistered and stopped, pending task promoted,
// health records written, two overlapping runs meeting at the run lease), every SDK call is recorded, and each
// recorded action must be allowed by the function's own statements (DynamoDB: on the table it went to).
import { createHealthChecker } from '@ecs-sd/core';
import { recordAwsCalls } from '../../support/aws-calls';
import { scopeProblems, ungrantedCalls } from '../../support/iam';
import { lambdaContext } from '../../support/registrar-fixture';
import { useRoute53Guard } from '../../support/world';
import { healthWorld, type HealthWorld } from '../../layers/core/health/health-world';

const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ok = { kind: 'status', status: 200 } as const;
const fail500 = { kind: 'status', status: 500 } as const;

describe('HealthCheckerFunction IAM', () => {
  it('grants every action the health checker calls', async () => {
    const w = (world = await healthWorld(guard()));
    const [bad] = await w.startService('web', [fail500, ok, ok, ok]);
    await w.startService('api', [ok], {
      container: { healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] } },
      health: 'UNKNOWN',
    });
    const handler = createHealthChecker(w.deps);
    const invoke = () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(20_000));

    const recorder = recordAwsCalls();
    const reports = [];
    try {
      reports.push(...(await Promise.all([invoke(), invoke()]))); // overlapping: one meets the lease
      for (let i = 0; i < 3; i++) {
        w.clock.now += 60_000;
        reports.push(await invoke());
      }
    } finally {
      recorder.stop();
    }
    // The history really happened: promotion, deregistration, stop, a skipped overlapping run.
    expect(reports.filter((r) => r.notRun)).toHaveLength(1);
    expect(reports.flatMap((r) => r.promoted)).toHaveLength(1);
    expect(reports.flatMap((r) => r.deregistered)).toEqual([bad.taskArn]);
    expect(reports.flatMap((r) => r.stopped.map((s) => s.taskArn))).toEqual([bad.taskArn]);

    expect([...recorder.actions].sort()).toEqual(
      expect.arrayContaining([
        'ecs:DescribeTasks', 'ecs:StopTask', 'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets',
        'dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem',
        'dynamodb:Query',
      ]),
    );
    const tables = { [w.registrar.config.stateTableName]: 'StateTable' };
    expect(ungrantedCalls('HealthCheckerFunction', recorder.calls, tables)).toEqual([]);
    // ...and no statement is wider than its action's least-privilege scope (Resource and Condition).
    expect(scopeProblems('HealthCheckerFunction')).toEqual([]);
  });
});
