// The deployed health checker module, wired from its environment and invoked as the schedule invokes it. No probe
// leaves this machine: the only task has no check to probe (HEALTH_CHECK_PATH empty), so the run only promotes it.
import { resetClients } from '@ecs-sd/core';
import { listRecords, taskStateChangeEvent } from '../../support/ecs-scenario';
import { createRegistrar, lambdaContext, sqsBatch } from '../../support/registrar-fixture';
import { freshWorld, runService, ZONE } from '../../support/world';

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
    const w = await freshWorld();
    const { zoneId } = w;
    const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: ZONE, OWNER_ID: 'handler-test' });
    const { tasks: [task] } = await runService(w, 'web', 1, {
      container: { name: 'web', healthCheck: { command: ['CMD-SHELL', 'true'] } },
    });
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
