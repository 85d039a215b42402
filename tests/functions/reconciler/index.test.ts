// The deployed reconciler module, wired from its environment and invoked as the schedule invokes it.
import { resetClients } from '@ecs-sd/core';
import { pinEcsTasksRunning, resetMoto } from '../../support/moto';
import {
  createCluster,
  createHostedZone,
  createVpc,
  listRecords,
  registerTaskDefinition,
  runAwsvpcTasks,
} from '../../support/ecs-scenario';
import { createTables } from '../../support/tables';
import { lambdaContext } from '../../support/registrar-fixture';

describe('functions/reconciler handler', () => {
  it('registers a running task whose events never arrived, and reports the repair', async () => {
    resetClients();
    await resetMoto();
    await pinEcsTasksRunning();
    const vpc = await createVpc();
    const zoneId = await createHostedZone('svc.internal', vpc.vpcId);
    const cluster = await createCluster('demo');
    const taskDefinition = await registerTaskDefinition({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'web', portMappings: [{ containerPort: 8080 }], environment: { SERVICE_8080_NAME: 'web' } }],
    });
    const [task] = await runAwsvpcTasks({ cluster: cluster.clusterArn, taskDefinition, count: 1, group: 'service:web', vpc });
    const tables = await createTables();
    Object.assign(process.env, {
      STATE_TABLE_NAME: tables.stateTableName,
      HOSTED_ZONE_ID: zoneId,
      ZONE_NAME: 'svc.internal',
      OWNER_ID: 'handler-test',
      CLUSTER_ARNS: cluster.clusterArn,
    });
    const { handler } = await import('../../../functions/reconciler/index');
    const report = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, lambdaContext(60_000));
    expect(report.counts).toEqual({ MissedStart: 1, MissedStop: 0, MissingRecords: 0, OrphanRecords: 0 });
    const taskId = task.taskArn!.split('/').pop();
    expect((await listRecords(zoneId)).map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      ['A web.svc.internal.', `A ${taskId}.web.svc.internal.`, 'SRV web.svc.internal.', 'TXT web.svc.internal.'].sort(),
    );
    expect((await handler({}, lambdaContext(60_000))).repairs).toEqual([]);
  });
});
