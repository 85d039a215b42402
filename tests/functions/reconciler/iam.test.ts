// ReconcilerFunction's IAM policy grants every AWS action its code really calls: every drift kind is produced in
// moto (awsvpc and bridge tasks never registered, a registered task stopped behind the registrar's back, an owned
// record no state explains), ClusterArns is empty (so ListClusters is called), two runs overlap at the run lease,
// and each recorded action must be allowed by the function's own statements (an Fn::If statement counts when its
// condition can be true; DynamoDB: on the table the call went to).
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { createReconciler, listAllRecordSets, zoneWriterFor } from '@ecs-sd/core';
import { recordAwsCalls } from '../../support/aws-calls';
import { registerEc2ContainerInstance, registerTaskDefinition, runBridgeTasks, taskStateChangeEvent } from '../../support/ecs-scenario';
import { scopeProblems, ungrantedCalls } from '../../support/iam';
import { createRegistrar, lambdaContext, sqsBatch } from '../../support/registrar-fixture';
import { freshWorld, runService, useRoute53Guard, ZONE } from '../../support/world';

const guard = useRoute53Guard();

describe('ReconcilerFunction IAM', () => {
  it('grants every action the reconciler calls', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, CLUSTER_ARNS: '' });
    const { config, store } = registrar;

    // MissedStart (awsvpc and bridge), MissedStop, OrphanRecords.
    await runService(w, 'web', 2);
    const bridge = await registerTaskDefinition({
      family: 'api',
      networkMode: 'bridge',
      containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
    });
    const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    await runBridgeTasks({ cluster: w.clusterArn, taskDefinition: bridge, containerInstance: instance, count: 1 });
    const { tasks: [gone] } = await runService(w, 'jobs', 1);
    const registered = await registrar.handler(
      sqsBatch([taskStateChangeEvent(gone, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })]),
    );
    expect(registered.batchItemFailures).toEqual([]);
    const ecs = new ECSClient({});
    const route53 = new Route53Client({});
    try {
      await ecs.send(new StopTaskCommand({ cluster: w.clusterArn, task: gone.taskArn, reason: 'behind the registrar' }));
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: w.zoneId,
          ChangeBatch: {
            Changes: [{
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: `ghost.${ZONE}`,
                Type: 'TXT',
                TTL: 10,
                ResourceRecords: [{ Value: '"heritage=ecs-service-discovery,owner=test-stack"' }],
              },
            }],
          },
        }),
      );
    } finally {
      ecs.destroy();
      route53.destroy();
    }

    const handler = createReconciler({
      config,
      store,
      backend: zoneWriterFor(config, (name) => store.members(name)),
      listRecords: (deadline) => listAllRecordSets(config.hostedZoneId, { deadline }),
    });
    const invoke = () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(60_000));
    const recorder = recordAwsCalls();
    let reports;
    try {
      reports = await Promise.all([invoke(), invoke()]);
    } finally {
      recorder.stop();
    }
    const worked = reports.find((r) => !r.notRun)!;
    expect(reports.filter((r) => r.notRun)).toHaveLength(1);
    expect(worked.counts).toEqual({ MissedStart: 3, MissedStop: 1, MissingRecords: 0, OrphanRecords: 1 });

    expect([...recorder.actions].sort()).toEqual(
      expect.arrayContaining([
        'ecs:ListClusters', 'ecs:ListTasks', 'ecs:DescribeTasks', 'ecs:DescribeTaskDefinition',
        'ecs:DescribeContainerInstances', 'ec2:DescribeInstances',
        'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets',
        'dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
      ]),
    );
    expect(ungrantedCalls('ReconcilerFunction', recorder.calls, { [config.stateTableName]: 'StateTable' })).toEqual([]);
    // ...and no statement is wider than its action's least-privilege scope (Resource and Condition).
    expect(scopeProblems('ReconcilerFunction')).toEqual([]);
  });
});
