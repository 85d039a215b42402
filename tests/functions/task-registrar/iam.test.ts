// The task registrar's IAM policy grants every AWS action its code really calls (recorded while it handles a
// realistic history against moto), and nothing is called that the template does not grant - DynamoDB actions on
// the table they went to.
import { recordAwsCalls } from '../../support/aws-calls';
import { scopeProblems, ungrantedCalls } from '../../support/iam';
import { registerEc2ContainerInstance, registerTaskDefinition, runBridgeTasks, taskStateChangeEvent } from '../../support/ecs-scenario';
import { createRegistrar, deliverUntilDone, sqsBatch } from '../../support/registrar-fixture';
import { freshWorld, runService, useRoute53Guard, ZONE } from '../../support/world';

describe('TaskRegistrarFunction IAM', () => {
  useRoute53Guard();

  it('grants every action the registrar calls', async () => {
    const w = await freshWorld();
    const { tasks: [web] } = await runService(w, 'web', 1);
    const bridge = await registerTaskDefinition({
      family: 'api', networkMode: 'bridge',
      containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
    });
    const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const [api] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition: bridge, containerInstance: instance, count: 1 });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });

    const recorder = recordAwsCalls();
    try {
      const run = (task: typeof web, version: number, desiredStatus: string, extra = {}) =>
        taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus, ...extra });
      const start = [run(web, 2, 'RUNNING'), run(api, 2, 'RUNNING', { group: 'service:api', hostPorts: { 80: 32768 } })];
      await deliverUntilDone(registrar.handler, sqsBatch(start));
      await deliverUntilDone(registrar.handler, sqsBatch(start)); // duplicates
      await deliverUntilDone(registrar.handler, sqsBatch([run(web, 3, 'STOPPED'), run(api, 3, 'STOPPED')]));
    } finally {
      recorder.stop();
    }
    const called = [...recorder.actions].sort();
    expect(called).toEqual(expect.arrayContaining([
      'route53:ChangeResourceRecordSets', 'ecs:DescribeTaskDefinition', 'ec2:DescribeInstances',
      'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
    ]));
    const { stateTableName, idempotencyTableName } = registrar.config;
    const tables = { [stateTableName]: 'StateTable', [idempotencyTableName!]: 'IdempotencyTable' };
    expect(ungrantedCalls('TaskRegistrarFunction', recorder.calls, tables)).toEqual([]);
    // ...and no statement is wider than its action's least-privilege scope (Resource and Condition).
    expect(scopeProblems('TaskRegistrarFunction')).toEqual([]);
  });
});
