// The deployed health checker module, wired from its environment and invoked as the schedule invokes it. No probe
// leaves this machine: the only task has no check to probe (HEALTH_CHECK_PATH empty), so the run only promotes it.
import { resetClients } from '@ecs-sd/core';
import { pinEcsTasksRunning, resetMoto } from '../../support/moto';
import {
  createCluster,
  createHostedZone,
  createVpc,
  listRecords,
  registerTaskDefinition,
  runAwsvpcTasks,
  taskStateChangeEvent,
} from '../../support/ecs-scenario';
import { createRegistrar, lambdaContext, sqsBatch } from '../../support/registrar-fixture';

const scheduledEvent = {
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2025-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/health-checker'],
  detail: {},
};

describe('functions/health-checker handler', () => {
  it('loads its settings from the environment and runs one bounded check', async () => {
    resetClients();
    await resetMoto();
    await pinEcsTasksRunning();
    const vpc = await createVpc();
    const zoneId = await createHostedZone('svc.internal', vpc.vpcId);
    const cluster = await createCluster('demo');
    const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: 'svc.internal', OWNER_ID: 'handler-test' });
    const taskDefinition = await registerTaskDefinition({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [
        {
          name: 'web',
          portMappings: [{ containerPort: 8080 }],
          environment: { SERVICE_8080_NAME: 'web' },
          healthCheck: { command: ['CMD-SHELL', 'true'] },
        },
      ],
    });
    const [task] = await runAwsvpcTasks({ cluster: cluster.clusterArn, taskDefinition, count: 1, group: 'service:web', vpc });
    await registrar.handler(
      sqsBatch([taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containerHealth: 'UNKNOWN' })]),
    );
    expect(await listRecords(zoneId)).toEqual([]);

    Object.assign(process.env, {
      STATE_TABLE_NAME: registrar.config.stateTableName,
      HOSTED_ZONE_ID: zoneId,
      ZONE_NAME: 'svc.internal',
      OWNER_ID: 'handler-test',
      HEALTH_CHECK_PATH: '',
      UNHEALTHY_THRESHOLD: '3',
      PROBE_CONCURRENCY: '8',
    });
    const { handler } = await import('../../../functions/health-checker/index');
    const report = await handler(scheduledEvent, lambdaContext(30_000));
    expect(report).toMatchObject({ tasks: 1, probes: 0, panic: false, promoted: [task.taskArn] });
    expect((await listRecords(zoneId)).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'A web.svc.internal.',
      `A ${task.taskArn!.split('/').pop()}.web.svc.internal.`,
      'SRV web.svc.internal.',
      'TXT web.svc.internal.',
    ].sort());
  });
});
