// The reconciler end to end against moto (ECS, EC2, DynamoDB, Route 53 behind the guard): each drift kind is
// produced for real and repaired through the registrar's own path; records it does not own stay exactly as they are.
import { ChangeResourceRecordSetsCommand, Route53Client, type Change } from '@aws-sdk/client-route-53';
import { DeleteClusterCommand, ECSClient, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import {
  createReconciler,
  listAllRecordSets,
  metrics,
  zoneWriterFor,
  runReconcile,
  type ReconcileReport,
  type ReconcilerDeps,
} from '@ecs-sd/core';
import { createCluster, listRecords, taskStateChangeEvent, using } from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, lambdaContext, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';

const OWNER = '"heritage=ecs-service-discovery,owner=test-stack"';

const guard = useRoute53Guard();

interface World extends EcsWorld {
  registrar: RegistrarFixture;
  deps: ReconcilerDeps;
  reconcile(): Promise<ReconcileReport>;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, ...env });
  const { config, store } = registrar;
  const backend = zoneWriterFor(config, (name) => store.members(name));
  const deps: ReconcilerDeps = {
    config,
    store,
    backend,
    listRecords: (deadline) => listAllRecordSets(config.hostedZoneId, { deadline }),
  };
  return {
    ...w,
    registrar,
    deps,
    reconcile: () => runReconcile(deps, Date.now() + 30_000),
  };
}

async function service(w: World, name: string, count: number, options: { cluster?: string; metadata?: boolean } = {}) {
  const container = options.metadata === false ? { environment: {} } : {};
  return (await runService(w, name, count, { cluster: options.cluster, container })).tasks;
}

const register = async (w: World, tasks: Task[]) => {
  const result = await w.registrar.handler(
    sqsBatch(tasks.map((t) => taskStateChangeEvent(t, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }))),
  );
  expect(result.batchItemFailures).toEqual([]);
};
const find = (records: Awaited<ReturnType<typeof listRecords>>, name: string, type: string) =>
  records.find((r) => r.name === name && r.type === type);

/** The records a registered service of these tasks has (SRV, service A, TXT, per-task A). */
function expectRegistered(records: Awaited<ReturnType<typeof listRecords>>, name: string, tasks: Task[]) {
  expect(find(records, `${name}.${ZONE}.`, 'SRV')?.values).toEqual(
    tasks.map((t) => `1 1 8080 ${taskId(t)}.${name}.${ZONE}.`).sort(),
  );
  expect(find(records, `${name}.${ZONE}.`, 'A')?.values).toEqual(tasks.map(ipOf).sort());
  expect(find(records, `${name}.${ZONE}.`, 'TXT')?.values).toEqual([OWNER]);
  for (const t of tasks) expect(find(records, `${taskId(t)}.${name}.${ZONE}.`, 'A')?.values).toEqual([ipOf(t)]);
}

async function change(w: World, changes: Change[]) {
  const client = new Route53Client({});
  try {
    await client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: w.zoneId, ChangeBatch: { Changes: changes } }));
  } finally {
    client.destroy();
  }
}
const rr = (Action: Change['Action'], Name: string, Type: 'A' | 'SRV' | 'TXT' | 'CNAME', values: string[], TTL = 10): Change => ({
  Action,
  ResourceRecordSet: { Name, Type, TTL, ResourceRecords: values.map((Value) => ({ Value })) },
});

const ecs = <T>(fn: (client: ECSClient) => Promise<T>) => using(new ECSClient({}), fn);

describe('reconciler against moto', () => {
  it('MissedStart: registers running tasks whose events were lost (no state, or still STARTING); ignores tasks without metadata', async () => {
    const w = await world();
    const web = await service(w, 'web', 3);
    await service(w, 'sidecar', 2, { metadata: false });
    // One task's PENDING event arrived, its RUNNING event did not.
    await w.registrar.handler(
      sqsBatch([taskStateChangeEvent(web[0], { version: 1, lastStatus: 'PENDING', desiredStatus: 'RUNNING' })]),
    );
    expect((await w.registrar.store.get(web[0].taskArn!))?.status).toBe('STARTING');
    expect(await listRecords(w.zoneId)).toEqual([]);

    const report = await w.reconcile();
    expect(report.counts).toEqual({ MissedStart: 3, MissedStop: 0, MissingRecords: 0, OrphanRecords: 0 });
    expect(report.repairs.map((r) => r.taskArn).sort()).toEqual(web.map((t) => t.taskArn).sort());
    const records = await listRecords(w.zoneId);
    expectRegistered(records, 'web', web);
    expect(records).toHaveLength(3 + 3);
    for (const t of web) expect((await w.registrar.store.get(t.taskArn!))?.status).toBe('REGISTERED');

    // Nothing left to repair, and a later real event (with a version) still applies normally.
    expect((await w.reconcile()).repairs).toEqual([]);
    await w.registrar.handler(
      sqsBatch([taskStateChangeEvent(web[1], { version: 3, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' })]),
    );
    expectRegistered(await listRecords(w.zoneId), 'web', [web[0], web[2]]);
  });

  it('MissedStop: removes records and state of tasks ECS no longer runs (stopped, or their cluster deleted)', async () => {
    const w = await world();
    const web = await service(w, 'web', 3);
    const other = await createCluster('batch');
    const jobs = await service(w, 'jobs', 2, { cluster: other.clusterArn });
    await register(w, [...web, ...jobs]);
    expectRegistered(await listRecords(w.zoneId), 'jobs', jobs);

    // The STOPPED event of one task is lost; a whole cluster disappears.
    await ecs((c) => c.send(new StopTaskCommand({ cluster: w.clusterArn, task: web[0].taskArn!, reason: 'scale-in' })));
    for (const t of jobs) await ecs((c) => c.send(new StopTaskCommand({ cluster: other.clusterArn, task: t.taskArn! })));
    await ecs((c) => c.send(new DeleteClusterCommand({ cluster: other.clusterArn })));

    const report = await w.reconcile();
    expect(report.counts).toEqual({ MissedStart: 0, MissedStop: 3, MissingRecords: 0, OrphanRecords: 0 });
    const records = await listRecords(w.zoneId);
    expectRegistered(records, 'web', web.slice(1));
    expect(records.filter((r) => r.name.endsWith(`jobs.${ZONE}.`))).toEqual([]);
    expect(records).toHaveLength(3 + 2);
    const tombstone = await w.registrar.store.get(web[0].taskArn!);
    expect(tombstone).toMatchObject({ status: 'STOPPED', registeredNames: [] });
    expect(tombstone?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await w.reconcile()).repairs).toEqual([]);
  });

  it('MissingRecords: restores records the state says exist but the zone lost', async () => {
    const w = await world();
    const web = await service(w, 'web', 2);
    await register(w, web);
    const before = await listRecords(w.zoneId);
    const srv = find(before, `web.${ZONE}.`, 'SRV')!;
    await change(w, [
      rr('DELETE', `${taskId(web[0])}.web.${ZONE}.`, 'A', [ipOf(web[0])]),
      rr('DELETE', srv.name, 'SRV', srv.values),
    ]);

    const report = await w.reconcile();
    expect(report.counts).toEqual({ MissedStart: 0, MissedStop: 0, MissingRecords: 1, OrphanRecords: 0 });
    expect(report.repairs[0]).toMatchObject({ kind: 'MissingRecords', serviceName: 'web' });
    expect(await listRecords(w.zoneId)).toEqual(before);
  });

  it('OrphanRecords: removes owned records that no state explains, and leaves foreign records exactly as they were', async () => {
    const w = await world();
    const web = await service(w, 'web', 2);
    await register(w, web);
    const ghostTask = '0123456789abcdef0123456789abcdef';
    const strayTask = 'fedcba9876543210fedcba9876543210';
    // Ours (owner TXT) without any state: a whole service, and a stray per-task record under a live service.
    await change(w, [
      rr('CREATE', `ghost.${ZONE}.`, 'TXT', [OWNER]),
      rr('CREATE', `ghost.${ZONE}.`, 'SRV', [`1 1 8080 ${ghostTask}.ghost.${ZONE}.`]),
      rr('CREATE', `ghost.${ZONE}.`, 'A', ['10.9.9.9']),
      rr('CREATE', `${ghostTask}.ghost.${ZONE}.`, 'A', ['10.9.9.9'], 60),
      rr('CREATE', `${strayTask}.web.${ZONE}.`, 'A', ['10.9.9.8']),
    ]);
    // Not ours: no TXT, another owner, an owner value that is only similar, the LB registrar's marker, by hand.
    const foreign: Change[] = [
      rr('CREATE', `legacy.${ZONE}.`, 'SRV', [`1 1 80 ${ghostTask}.legacy.${ZONE}.`]),
      rr('CREATE', `${ghostTask}.legacy.${ZONE}.`, 'A', ['10.1.1.1']),
      rr('CREATE', `other.${ZONE}.`, 'TXT', ['"heritage=ecs-service-discovery,owner=other-stack"']),
      rr('CREATE', `other.${ZONE}.`, 'A', ['10.2.2.2']),
      rr('CREATE', `${strayTask}.other.${ZONE}.`, 'A', ['10.2.2.3']),
      rr('CREATE', `similar.${ZONE}.`, 'TXT', ['"heritage=ecs-service-discovery,owner=test-stack,extra=1"']),
      rr('CREATE', `similar.${ZONE}.`, 'A', ['10.3.3.3']),
      rr('CREATE', `_owner.api.${ZONE}.`, 'TXT', ['"heritage=ecs-service-discovery,owner=test-stack,registrar=lb"']),
      rr('CREATE', `api.${ZONE}.`, 'CNAME', ['internal-api-123.us-east-1.elb.amazonaws.com']),
      rr('CREATE', `db.${ZONE}.`, 'A', ['10.4.4.4']),
      rr('CREATE', `notatask.web.${ZONE}.`, 'A', ['10.5.5.5']),
    ];
    await change(w, foreign);
    const foreignNames = new Set(foreign.map((c) => c.ResourceRecordSet!.Name!));
    const foreignBefore = (await listRecords(w.zoneId)).filter((r) => foreignNames.has(r.name));
    expect(foreignBefore).toHaveLength(foreign.length);

    const { result: report, lines } = await captureLogs(() => w.reconcile());
    expect(report.counts).toEqual({ MissedStart: 0, MissedStop: 0, MissingRecords: 0, OrphanRecords: 2 });
    expect(report.repairs.map((r) => r.serviceName).sort()).toEqual(['ghost', 'web']);
    expect(lines.filter((l) => l.message === 'Drift repaired')).toHaveLength(2);

    const after = await listRecords(w.zoneId);
    expect(after.filter((r) => r.name.endsWith(`ghost.${ZONE}.`))).toEqual([]);
    expect(find(after, `${strayTask}.web.${ZONE}.`, 'A')).toBeUndefined();
    expectRegistered(after, 'web', web);
    expect(after.filter((r) => foreignNames.has(r.name))).toEqual(foreignBefore);
    expect(after).toHaveLength(3 + 2 + foreign.length);
    expect((await w.reconcile()).repairs).toEqual([]);
  });

  it('leaves tasks of clusters outside ClusterArns alone', async () => {
    const w = await world({ CLUSTER_ARNS: 'demo' });
    const other = await createCluster('elsewhere');
    await service(w, 'jobs', 2, { cluster: other.clusterArn });
    const web = await service(w, 'web', 1);
    const report = await w.reconcile();
    expect(report.clusters).toBe(1);
    expect(report.counts.MissedStart).toBe(1);
    const records = await listRecords(w.zoneId);
    expectRegistered(records, 'web', web);
    expect(records.filter((r) => r.name.includes('jobs'))).toEqual([]);
  });
});

/** EMF lines (Powertools Metrics) carrying `metric`, with their dimensions. */
const emfLines = (lines: Record<string, unknown>[], metric: string) => lines.filter((l) => '_aws' in l && metric in l);
const invoke = (w: World) => {
  const handler = createReconciler(w.deps);
  return () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(60_000));
};

describe('reconciler handler', () => {
  it('emits DriftRepaired (EMF): the total, and one line per drift Kind with its count', async () => {
    const w = await world();
    const web = await service(w, 'web', 2); // never registered: MissedStart x2
    const api = await service(w, 'api', 1);
    await register(w, api);
    await ecs((c) => c.send(new StopTaskCommand({ cluster: w.clusterArn, task: api[0].taskArn, reason: 'test' }))); // MissedStop
    metrics.clearMetrics();
    const { result: report, lines } = await captureLogs(invoke(w));
    expect(report.counts).toEqual({ MissedStart: 2, MissedStop: 1, MissingRecords: 0, OrphanRecords: 0 });
    expectRegistered(await listRecords(w.zoneId), 'web', web);

    const drift = emfLines(lines, 'DriftRepaired');
    const total = drift.filter((l) => !('Kind' in l));
    expect(total.map((l) => l.DriftRepaired)).toEqual([3]);
    const byKind = Object.fromEntries(drift.filter((l) => 'Kind' in l).map((l) => [l.Kind, l.DriftRepaired]));
    expect(byKind).toEqual({ MissedStart: 2, MissedStop: 1 });
    for (const line of drift) {
      const [definition] = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] })
        .CloudWatchMetrics;
      expect(definition.Namespace).toBe('EcsServiceDiscovery');
      expect(definition.Metrics).toContainEqual({ Name: 'DriftRepaired', Unit: 'Count' });
      if ('Kind' in line) expect(definition.Dimensions.flat()).toContain('Kind');
    }

    // Nothing left to repair: the next run emits DriftRepaired 0 and no per-Kind line.
    const calm = await captureLogs(invoke(w));
    expect(emfLines(calm.lines, 'DriftRepaired').map((l) => [l.Kind, l.DriftRepaired])).toEqual([[undefined, 0]]);
  });

  it('of two overlapping runs exactly one repairs; the other does nothing and says why', async () => {
    const w = await world();
    const web = await service(w, 'web', 2);
    const run = invoke(w);
    metrics.clearMetrics();
    const { result: reports, lines } = await captureLogs(() => Promise.all([run(), run()]));
    const worked = reports.filter((r) => !r.notRun);
    expect(worked).toHaveLength(1);
    expect(worked[0].counts.MissedStart).toBe(2);
    expect(reports.find((r) => r.notRun)).toMatchObject({
      clusters: 0,
      repairs: [],
      complete: false,
      notRun: { reason: 'another run holds the run lease', holder: expect.any(String) },
    });
    expect(emfLines(lines, 'OverlappingRunsSkipped').map((l) => l.OverlappingRunsSkipped)).toEqual([1]);
    expect(emfLines(lines, 'DriftRepaired').filter((l) => !('Kind' in l)).map((l) => l.DriftRepaired)).toEqual([2]);
    expectRegistered(await listRecords(w.zoneId), 'web', web);
    // released: the next run goes ahead (and finds nothing to do)
    expect(await run()).toMatchObject({ repairs: [], complete: true });
  });
});
