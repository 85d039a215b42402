// The health checker end to end: tasks registered in moto by the real registrar, real HTTP servers on 127.0.0.1
// answering for them, real Route 53 writes (through the guard), StopTask in moto. Each rule has a test that fails
// when the rule is removed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  acquireRunLease,
  createHealthChecker,
  DeadlineExceededError,
  createProber,
  documentClient,
  leaseKey,
  metrics,
  parseStatusCodes,
  releaseRunLease,
  runHealthCheck,
  scanHealthTargets,
  StaleStateError,
  TaskStateStore,
  type TaskState,
} from '@ecs-sd/core';
import { captureLogs, lambdaContext, emfSum } from '../../../support/registrar-fixture';
import { useRoute53Guard, ZONE } from '../../../support/world';
import { healthWorld, type HealthWorld, type WorldTask } from './health-world';

const ok = { kind: 'status', status: 200 } as const;
const fail500 = { kind: 'status', status: 500 } as const;

const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup(env: Record<string, string> = {}): Promise<HealthWorld> {
  world = await healthWorld(guard(), env);
  return world;
}

/** The per-task A records present, as task IDs. */
async function registeredIds(w: HealthWorld, service: string): Promise<string[]> {
  const suffix = `.${service}.${ZONE}.`;
  return (await w.records())
    .filter((r) => r.type === 'A' && r.name.endsWith(suffix))
    .map((r) => r.name.slice(0, -suffix.length))
    .sort();
}
const ids = (tasks: WorldTask[]) => tasks.map((t) => t.taskId).sort();

async function ecsTask(w: HealthWorld, t: WorldTask) {
  const client = new ECSClient({});
  try {
    const out = await client.send(new DescribeTasksCommand({ cluster: w.clusterArn, tasks: [t.taskArn] }));
    return out.tasks![0];
  } finally {
    client.destroy();
  }
}

async function state(w: HealthWorld, t: WorldTask): Promise<TaskState> {
  return (await w.registrar.store.get(t.taskArn)) as TaskState;
}

const emf = emfSum;

/** The scheduled handler around the world's dependencies, invoked as EventBridge would. */
const invoke = (w: HealthWorld) => {
  const handler = createHealthChecker(w.deps);
  return () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(20_000));
};

describe('thresholds', () => {
  it('deregisters after UnhealthyThreshold (3) consecutive failures, not before, then stops the task with the documented reason', async () => {
    const w = await setup();
    const tasks = await w.startService('web', [fail500, ok, ok]);
    const [bad] = tasks;
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));

    for (const run of [1, 2]) {
      const report = await w.run();
      expect({ run, deregistered: report.deregistered, stopped: report.stopped }).toEqual({
        run,
        deregistered: [],
        stopped: [],
      });
      expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
    }
    const third = await w.run();
    expect(third.deregistered).toEqual([bad.taskArn]);
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks.slice(1)));
    const srv = (await w.records()).find((r) => r.type === 'SRV' && r.name === `web.${ZONE}.`);
    expect(srv?.values).toEqual(tasks.slice(1).map((t) => `1 1 8080 ${t.taskId}.web.${ZONE}.`).sort());
    expect((await state(w, bad)).registeredNames).toEqual([]);

    // Stopped in ECS with a reason naming the check and its last result, at most 255 characters.
    expect(third.stopped.map((s) => s.taskArn)).toEqual([bad.taskArn]);
    const described = await ecsTask(w, bad);
    expect(described.lastStatus).toBe('STOPPED');
    expect(described.stoppedReason).toBe(
      `ecs-service-discovery: health check failed 3 consecutive times; last: HTTP GET http://${bad.ip}:8080/health -> HTTP 500`,
    );
    expect(described.stoppedReason!.length).toBeLessThanOrEqual(255);
    for (const t of tasks.slice(1)) expect((await ecsTask(w, t)).lastStatus).toBe('RUNNING');
  });

  it('a failure streak broken by one success starts counting again', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, ok, ok]);
    await w.run();
    await w.run();
    tasks[0].server.behave(ok);
    await w.run();
    tasks[0].server.behave(fail500);
    await w.run();
    const report = await w.run();
    expect(report.deregistered).toEqual([]);
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
    expect((await w.run()).deregistered).toEqual([tasks[0].taskArn]);
  });

  it('re-registers a deregistered task after HealthyThreshold (2) consecutive successes, not before', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, ok, ok]);
    for (let i = 0; i < 3; i++) await w.run();
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks.slice(1)));

    tasks[0].server.behave({ kind: 'status', status: 204 });
    const first = await w.run();
    expect(first.reregistered).toEqual([]);
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks.slice(1)));
    const second = await w.run();
    expect(second.reregistered).toEqual([tasks[0].taskArn]);
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
    expect((await state(w, tasks[0])).status).toBe('REGISTERED');
    expect((await ecsTask(w, tasks[0])).lastStatus).toBe('RUNNING');
  });

  it('hanging and refused endpoints fail like 500s; the probe timeout bounds the run', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false', HEALTH_CHECK_TIMEOUT_SECONDS: '0.2' });
    const tasks = await w.startService('web', [{ kind: 'hang' }, ok, ok, ok, ok]);
    await tasks[4].server.close(); // refused from now on
    let report;
    for (let i = 0; i < 3; i++) report = await w.run();
    expect(report!.deregistered.sort()).toEqual([tasks[0].taskArn, tasks[4].taskArn].sort());
    const records = await w.records();
    expect(records.find((r) => r.type === 'SRV')?.values).toHaveLength(3);
  });
});

describe('grace period', () => {
  it('failures inside GracePeriodSeconds after the task started do not count; afterwards they do', async () => {
    const w = await setup({ GRACE_PERIOD_SECONDS: '600', STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, ok, ok]);
    for (let i = 0; i < 5; i++) {
      const report = await w.run({ advanceSeconds: 60 });
      expect(report.deregistered).toEqual([]);
    }
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
    await w.run({ advanceSeconds: 600 }); // past the grace period: 1
    await w.run(); // 2
    expect((await w.run()).deregistered).toEqual([tasks[0].taskArn]); // 3
  });

  it("uses the task definition's healthCheck.startPeriod when it is longer than the parameter", async () => {
    const w = await setup({ GRACE_PERIOD_SECONDS: '0', STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, ok, ok], {
      container: { healthCheck: { command: ['CMD-SHELL', 'true'], startPeriod: 300 } },
      health: 'HEALTHY',
    });
    expect((await state(w, tasks[0])).healthCheckStartPeriodSeconds).toBe(300);
    for (let i = 0; i < 4; i++) expect((await w.run({ advanceSeconds: 60 })).deregistered).toEqual([]);
    await w.run({ advanceSeconds: 120 });
    await w.run();
    expect((await w.run()).deregistered).toEqual([tasks[0].taskArn]);
  });
});

describe('stop brakes', () => {
  it('stops at most MaxStopPercent of a service\'s running tasks per run', async () => {
    const w = await setup({ MAX_STOP_PERCENT: '50' });
    const web = await w.startService('web', [fail500, fail500, fail500, ok]);
    await w.startService('api', [ok, ok, ok, ok]); // keeps the failure ratio under the panic threshold
    let report;
    for (let i = 0; i < 3; i++) report = await w.run();
    expect(report!.deregistered.sort()).toEqual(ids(web.slice(0, 3)).map((id) => web.find((t) => t.taskId === id)!.taskArn));
    expect(report!.stopped).toHaveLength(2); // 50% of 4 running
    expect(report!.held).toEqual([{ taskArn: expect.any(String), rule: 'max-stop-percent' }]);
    const statuses = await Promise.all(web.slice(0, 3).map(async (t) => (await ecsTask(w, t)).lastStatus));
    expect(statuses.filter((s) => s === 'STOPPED')).toHaveLength(2);
    expect((await ecsTask(w, web[3])).lastStatus).toBe('RUNNING');
  });

  it('never stops a task when no healthy registered task of its service would remain', async () => {
    const w = await setup({ MAX_STOP_PERCENT: '100' });
    const web = await w.startService('web', [fail500, fail500]);
    await w.startService('api', [ok, ok, ok, ok, ok, ok]);
    let report;
    for (let i = 0; i < 3; i++) report = await w.run();
    expect(report!.deregistered).toHaveLength(2); // out of DNS, as the thresholds say
    expect(report!.stopped).toEqual([]);
    expect(report!.held.map((h) => h.rule)).toEqual(['last-healthy', 'last-healthy']);
    for (const t of web) expect((await ecsTask(w, t)).lastStatus).toBe('RUNNING');
  });

  it('does not stop anything with StopUnhealthyTasks=false', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, ok, ok]);
    let report;
    for (let i = 0; i < 4; i++) report = await w.run();
    expect(report!.stopped).toEqual([]);
    expect((await ecsTask(w, tasks[0])).lastStatus).toBe('RUNNING');
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks.slice(1)));
  });

  it('never stops a standalone task (no ECS service would replace it); it is only deregistered', async () => {
    const w = await setup();
    const tasks = await w.startService('batch', [fail500, ok, ok], { group: 'family:batch' });
    let report;
    for (let i = 0; i < 3; i++) report = await w.run();
    expect(report!.deregistered).toEqual([tasks[0].taskArn]);
    expect(report!.stopped).toEqual([]);
    expect((await ecsTask(w, tasks[0])).lastStatus).toBe('RUNNING');
  });
});

describe('panic mode', () => {
  it('changes nothing when more than PanicThreshold of all probes fail in one run, and says so loudly', async () => {
    const w = await setup();
    const tasks = await w.startService('web', [fail500, fail500, { kind: 'hang' }, ok, ok]);
    const before = await w.records();
    for (let i = 0; i < 4; i++) {
      const { result: report, lines } = await captureLogs(() => w.run());
      expect(report).toMatchObject({ panic: true, deregistered: [], stopped: [], recordsWritten: 0 });
      expect(report.failedPercent).toBe(60);
      expect(lines.some((l) => l.level === 'CRITICAL' && /PANIC/.test(String(l.message)))).toBe(true);
    }
    expect(await w.records()).toEqual(before);
    for (const t of tasks) expect((await ecsTask(w, t)).lastStatus).toBe('RUNNING');
    const { health } = await scanHealthTargets(w.registrar.config.stateTableName);
    expect(health.size).toBe(0); // no counter moved

    // The checker is reachable again: counting starts from zero, not from the panic runs.
    tasks[2].server.behave(ok);
    tasks[1].server.behave(ok);
    expect((await w.run()).panic).toBe(false);
    await w.run();
    expect((await w.run()).deregistered).toEqual([tasks[0].taskArn]);
  });

  it('exactly PanicThreshold failing is not panic (the rule is "more than")', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    await w.startService('web', [fail500, fail500, fail500, ok, ok, ok]);
    const report = await w.run();
    expect(report).toMatchObject({ panic: false, failedPercent: 50, probes: 6 });
  });

  it('the scheduled handler emits the HealthCheckPanic metric (EMF) in a panic run, and only then', async () => {
    const w = await setup();
    const tasks = await w.startService('web', [fail500, fail500, fail500, ok, ok]);
    metrics.clearMetrics();
    const { result: report, lines } = await captureLogs(invoke(w));
    expect(report).toMatchObject({ panic: true, deregistered: [], recordsWritten: 0 });
    expect(emf(lines, 'HealthCheckPanic')).toBe(1);
    const definitions = lines
      .filter((l) => '_aws' in l && 'HealthCheckPanic' in l)
      .flatMap((l) => (l._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }).CloudWatchMetrics);
    expect(definitions).toContainEqual(
      expect.objectContaining({ Namespace: 'EcsServiceDiscovery', Metrics: expect.arrayContaining([{ Name: 'HealthCheckPanic', Unit: 'Count' }]) }),
    );

    for (const t of tasks) t.server.behave(ok);
    const calm = await captureLogs(invoke(w));
    expect(calm.result.panic).toBe(false);
    expect(emf(calm.lines, 'HealthCheckPanic')).toBe(0);
  });
});

describe('PanicMinProbes (default 5): a tiny sample never triggers panic', () => {
  it('below the minimum the rules apply as usual: 4 failing probes of 4 count toward the thresholds', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, fail500, fail500, fail500]);
    const { result: first, lines } = await captureLogs(() => w.run());
    expect(first).toMatchObject({ panic: false, failedPercent: 100, probes: 4, recordsWritten: 4 });
    expect(lines.some((l) => l.level === 'WARN' && /too few were counted for panic mode/.test(String(l.message)))).toBe(true);
    await w.run();
    expect((await w.run()).deregistered.sort()).toEqual(tasks.map((t) => t.taskArn).sort());
    expect(await registeredIds(w, 'web')).toEqual([]);
  });

  it('at the minimum it applies: 5 failing probes of 5 are panic, nothing changes', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [fail500, fail500, fail500, fail500, fail500]);
    for (let i = 0; i < 3; i++) expect(await w.run()).toMatchObject({ panic: true, probes: 5, recordsWritten: 0, deregistered: [] });
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
  });

  it('PANIC_MIN_PROBES=1 restores panic on any sample', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false', PANIC_MIN_PROBES: '1' });
    await w.startService('web', [fail500]);
    expect(await w.run()).toMatchObject({ panic: true, probes: 1, recordsWritten: 0 });
  });
});

/** A loopback HTTP server answering 200 after `delayMs`, counting the requests in flight at once. */
async function countingServer(delayMs: number): Promise<{ port: number; requests: () => number; maxInFlight: () => number; close: () => Promise<void> }> {
  let inFlight = 0;
  let max = 0;
  let total = 0;
  const server: Server = createServer((_req, res) => {
    total++;
    max = Math.max(max, ++inFlight);
    const timer = setTimeout(() => {
      inFlight--;
      res.writeHead(200).end('ok');
    }, delayMs);
    timer.unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const lifetime = setTimeout(() => server.close(), 60_000);
  lifetime.unref();
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => total,
    maxInFlight: () => max,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('ProbeConcurrency', () => {
  it('bounds the probes in flight: PROBE_CONCURRENCY=3 over 12 slow endpoints never has more than 3 at once', async () => {
    const w = await setup({ PROBE_CONCURRENCY: '3', HEALTH_CHECK_TIMEOUT_SECONDS: '2', STOP_UNHEALTHY_TASKS: 'false' });
    expect(w.deps.health.concurrency).toBe(3);
    const tasks = await w.startService('web', Array.from({ length: 12 }, () => ok));
    const counter = await countingServer(250);
    try {
      // Every task's probe goes to the one counting server (each probe is its own connection: agent false, close).
      const real = createProber(parseStatusCodes('200-299')!);
      const report = await runHealthCheck(
        { ...w.deps, prober: (probe) => real({ ...probe, ip: '127.0.0.1', port: counter.port }) },
        Date.now() + 20_000,
      );
      expect(report).toMatchObject({ tasks: 12, probes: 12, failedProbes: 0, deferred: 0 });
      expect(counter.requests()).toBe(12);
      expect(counter.maxInFlight()).toBe(3);
      expect(tasks.every((t) => t.server.paths.length === 0)).toBe(true);
    } finally {
      await counter.close();
    }
  });
});

describe('one run at a time (run lease)', () => {
  const leaseOf = async (w: HealthWorld) =>
    (await documentClient().send(
      new GetCommand({ TableName: w.registrar.config.stateTableName, Key: leaseKey('health-checker'), ConsistentRead: true }),
    )).Item;

  it('of two overlapping runs exactly one does the work; the other changes nothing, logs and counts it', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [ok, ok, ok]);
    const run = invoke(w);
    metrics.clearMetrics();
    const { result: reports, lines } = await captureLogs(() => Promise.all([run(), run()]));
    const worked = reports.filter((r) => !r.notRun);
    expect(worked).toHaveLength(1);
    expect(worked[0]).toMatchObject({ tasks: 3, probes: 3 });
    expect(reports.find((r) => r.notRun)).toMatchObject({
      tasks: 0,
      probes: 0,
      recordsWritten: 0,
      notRun: { reason: 'another run holds the run lease', holder: expect.any(String), leaseUntil: expect.any(String) },
    });
    for (const t of tasks) expect(t.server.paths).toEqual(['/health']); // each endpoint probed once in all
    expect(emf(lines, 'OverlappingRunsSkipped')).toBe(1);
    expect(lines.filter((l) => l.level === 'WARN' && /holds the run lease/.test(String(l.message)))).toHaveLength(1);

    // The lease is released when the run ends: the next run works.
    expect(await leaseOf(w)).toBeUndefined();
    expect((await run()).notRun).toBeUndefined();
  });

  it('leaves a live lease alone, and takes over one whose run is gone (leaseUntil passed)', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const [task] = await w.startService('web', [ok]);
    const table = w.registrar.config.stateTableName;
    const run = invoke(w);
    const now = Date.now();

    await acquireRunLease(table, 'health-checker', { owner: 'live-run', leaseUntil: now + 60_000 });
    expect((await run()).notRun).toMatchObject({ holder: 'live-run' });
    expect(task.server.paths).toEqual([]);
    expect(await leaseOf(w)).toMatchObject({ owner: 'live-run', leaseUntil: now + 60_000 });

    // That run ends; the next one crashes, leaving a lease behind that ran out a moment ago.
    expect(await releaseRunLease(table, 'health-checker', 'live-run')).toBe(true);
    await acquireRunLease(table, 'health-checker', { owner: 'crashed-run', leaseUntil: now - 1, now: now - 60_000 });
    expect(await leaseOf(w)).toMatchObject({ owner: 'crashed-run', leaseUntil: now - 1 });
    const report = await run();
    expect(report.notRun).toBeUndefined();
    expect(report.probes).toBe(1);
    expect(task.server.paths).toEqual(['/health']);
    expect(await leaseOf(w)).toBeUndefined();
  });
});

describe('registration races (util/retry)', () => {
  /** A state store whose compare-and-swap always loses: the registrar keeps writing the task meanwhile. */
  class AlwaysRacingStore extends TaskStateStore {
    replaces = 0;
    /** `loseAt`: epoch ms the losing compare-and-swap answers at (a slow write), default at once */
    constructor(tableName: string, private readonly loseAt = 0) {
      super(tableName);
    }
    override async replace(): Promise<TaskState> {
      this.replaces++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.loseAt - Date.now())));
      throw new StaleStateError();
    }
  }

  it('re-reads and re-judges at most 3 times, gives up for this run without failing it, and never retries past the deadline', async () => {
    const w = await setup();
    const [pending] = await w.startService('web', [ok], {
      container: { healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] } },
      health: 'UNKNOWN',
    });
    expect((await state(w, pending)).status).toBe('PENDING_HEALTH');
    const store = new AlwaysRacingStore(w.registrar.config.stateTableName);

    const { result: report, lines } = await captureLogs(() => runHealthCheck({ ...w.deps, store }, Date.now() + 20_000));
    expect(store.replaces).toBe(3);
    expect(report.promoted).toEqual([]);
    expect(lines.some((l) => l.level === 'WARN' && /kept changing/.test(String(l.message)))).toBe(true);

    // Out of time: the attempt that loses the race ends after the run's deadline, and no retry starts after it.
    const deadline = Date.now() + 3000;
    const slow = new AlwaysRacingStore(w.registrar.config.stateTableName, deadline + 5);
    const late = await runHealthCheck({ ...w.deps, store: slow }, deadline);
    expect(slow.replaces).toBe(1);
    expect(late.promoted).toEqual([]);
    // A run whose deadline has passed does not even read the state table (util/deadline).
    await expect(runHealthCheck({ ...w.deps, store: slow }, Date.now() - 1)).rejects.toThrow(DeadlineExceededError);
    expect(slow.replaces).toBe(1);

    // The real store promotes it.
    expect((await w.run()).promoted).toEqual([pending.taskArn]);
  });
});

describe('pending tasks and addresses', () => {
  it('promotes a PENDING_HEALTH task within one run of ECS reporting its containers HEALTHY', async () => {
    const w = await setup();
    const tasks = await w.startService('web', [ok, ok], {
      container: { healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] } },
      health: 'UNKNOWN',
    });
    for (const t of tasks) expect((await state(w, t)).status).toBe('PENDING_HEALTH');
    expect(await registeredIds(w, 'web')).toEqual([]);
    // moto's DescribeTasks reports every container HEALTHY
    const report = await w.run();
    expect(report.promoted.sort()).toEqual(tasks.map((t) => t.taskArn).sort());
    expect(await registeredIds(w, 'web')).toEqual(ids(tasks));
  });

  it('probes only addresses ECS reports for the task, never one the state table alone claims', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const tasks = await w.startService('web', [ok, ok]);
    const previous = await state(w, tasks[0]);
    await w.registrar.store.replace(previous, {
      ...previous,
      endpoints: previous.endpoints.map((e) => ({ ...e, ip: '169.254.169.254' })),
    });
    const report = await w.run();
    expect(w.asked.map((p) => p.ip)).toEqual([tasks[1].ip]);
    expect(report.skipped['address-mismatch']).toBe(1);
  });

  it('honours SERVICE_<port>_CHECK_HTTP, _CHECK_TIMEOUT and _CHECK_INTERVAL (a longer interval skips runs)', async () => {
    const w = await setup({ STOP_UNHEALTHY_TASKS: 'false' });
    const [task] = await w.startService('web', [ok], {
      env: { SERVICE_8080_CHECK_HTTP: '/ping', SERVICE_8080_CHECK_TIMEOUT: '1s', SERVICE_8080_CHECK_INTERVAL: '3m' },
    });
    await w.run();
    expect(w.asked).toEqual([{ ip: task.ip, port: 8080, check: { kind: 'http', path: '/ping' }, timeoutMs: 1000, endpointKey: 'web/8080', taskArn: task.taskArn, description: `HTTP GET http://${task.ip}:8080/ping`, hasInterval: true }]);
    expect(task.server.paths).toEqual(['/ping']);
    await w.run({ advanceSeconds: 60 });
    await w.run({ advanceSeconds: 60 });
    expect(w.asked).toHaveLength(1);
    await w.run({ advanceSeconds: 60 });
    expect(w.asked).toHaveLength(2);
  });

  it('stops probing when its time is up and leaves every counter as it was', async () => {
    // Probes may take 30 s; 10 s are left: the state is read, no probe starts (it could outlive the run).
    const w = await setup({ HEALTH_CHECK_TIMEOUT_SECONDS: '30' });
    await w.startService('web', [fail500, fail500, ok]);
    const report = await w.run({ deadlineMs: 10_000 });
    expect(report).toMatchObject({ probes: 0, deferred: 3, deregistered: [], recordsWritten: 0 });
    expect((await scanHealthTargets(w.registrar.config.stateTableName)).health.size).toBe(0);
  });

  it('writes nothing for a steadily healthy fleet', async () => {
    const w = await setup();
    await w.startService('web', [ok, ok, ok]);
    for (let i = 0; i < 3; i++) expect((await w.run()).recordsWritten).toBe(0);
  });
});
