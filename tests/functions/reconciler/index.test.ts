// The deployed reconciler module, wired from its environment and invoked as the schedule invokes it.
import { resetClients } from '@ecs-sd/core';
import { listRecords } from '../../support/ecs-scenario';
import { createTables } from '../../support/tables';
import { lambdaContext } from '../../support/registrar-fixture';
import { freshWorld, runService } from '../../support/world';

describe('functions/reconciler handler', () => {
  it('registers a running task whose events never arrived, and reports the repair', async () => {
    resetClients();
    const w = await freshWorld();
    const { zoneId, clusterArn } = w;
    const { tasks: [task] } = await runService(w, 'web', 1, { container: { name: 'web' } });
    const tables = await createTables();
    Object.assign(process.env, {
      STATE_TABLE_NAME: tables.stateTableName,
      HOSTED_ZONE_ID: zoneId,
      ZONE_NAME: 'svc.internal',
      OWNER_ID: 'handler-test',
      CLUSTER_ARNS: clusterArn,
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
