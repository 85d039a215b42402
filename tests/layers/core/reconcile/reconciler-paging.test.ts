// The reconciler beyond one page: 150 running tasks in moto, ListTasks paged as ECS pages it (at most 100 ARNs per
// answer, through tests/support/ecs-paging-proxy: moto itself answers every task at once) and DescribeTasks in
// batches of at most 100. Every task must be seen and handled; reading one page or describing 150 ARNs at once
// would leave 50 behind (or be rejected by ECS).
import { listAllRecordSets, resetClients, zoneWriterFor, runReconcile, type ReconcilerDeps } from '@ecs-sd/core';
import { recordAwsCalls } from '../../../support/aws-calls';
import { startEcsPagingProxy, type EcsPagingProxy } from '../../../support/ecs-paging-proxy';
import { listRecords } from '../../../support/ecs-scenario';
import { motoUrl } from '../../../support/moto';
import { createRegistrar } from '../../../support/registrar-fixture';
import { freshWorld, runService, taskId, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();
let proxy: EcsPagingProxy | undefined;
beforeAll(async () => {
  proxy = await startEcsPagingProxy({ upstream: motoUrl() });
  process.env.AWS_ENDPOINT_URL_ECS = proxy.url;
  resetClients();
});
afterAll(async () => {
  await proxy?.close();
  process.env.AWS_ENDPOINT_URL_ECS = motoUrl();
  resetClients();
});

describe('reconciler with more than 100 running tasks', () => {
  it('reads every ListTasks page and describes the tasks 100 at a time: all 150 are registered', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, CLUSTER_ARNS: w.clusterArn });
    const { tasks } = await runService(w, 'web', 150);
    const { config, store } = registrar;
    const deps: ReconcilerDeps = {
      config,
      store,
      backend: zoneWriterFor(config, (name) => store.members(name)),
      listRecords: (deadline) => listAllRecordSets(config.hostedZoneId, { deadline }),
    };

    const recorder = recordAwsCalls();
    const before = proxy!.listTasksPages().length;
    let report;
    try {
      report = await runReconcile(deps, Date.now() + 100_000);
    } finally {
      recorder.stop();
    }
    expect(proxy!.listTasksPages().slice(before)).toEqual([1, 2]); // 100 + 50
    expect(recorder.counts.get('ecs:ListTasks')).toBeGreaterThanOrEqual(2);
    expect(recorder.counts.get('ecs:DescribeTasks')).toBeGreaterThanOrEqual(2); // ceil(150 / 100)
    expect(report).toMatchObject({ clusters: 1, runningTasks: 150, complete: true, errors: [], unresolved: [] });
    expect(report.counts.MissedStart).toBe(150);

    const records = await listRecords(w.zoneId);
    const srv = records.find((r) => r.type === 'SRV' && r.name === `web.${ZONE}.`);
    expect(srv?.values).toEqual(tasks.map((t) => `1 1 8080 ${taskId(t)}.web.${ZONE}.`).sort());
    const perTask = new Set(records.filter((r) => r.type === 'A' && r.name !== `web.${ZONE}.`).map((r) => r.name));
    expect(tasks.filter((t) => !perTask.has(`${taskId(t)}.web.${ZONE}.`))).toEqual([]);
    for (const t of tasks) expect((await store.get(t.taskArn!))?.status).toBe('REGISTERED');
  }, 180_000);
});
