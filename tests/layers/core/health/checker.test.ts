// The health checker end to end: tasks registered in moto by the real registrar, real HTTP servers on 127.0.0.1
// answering for them, real Route 53 writes (through the guard), StopTask in moto. Each rule has a test that fails
// when the rule is removed.
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { scanHealthTargets, type TaskState } from '@ecs-sd/core';
import { captureLogs } from '../../../support/registrar-fixture';
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
    const tasks = await w.startService('web', [fail500, fail500, { kind: 'hang' }, ok]);
    const before = await w.records();
    for (let i = 0; i < 4; i++) {
      const { result: report, lines } = await captureLogs(() => w.run());
      expect(report).toMatchObject({ panic: true, deregistered: [], stopped: [], recordsWritten: 0 });
      expect(report.failedPercent).toBe(75);
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
    await w.startService('web', [fail500, fail500, ok, ok]);
    const report = await w.run();
    expect(report).toMatchObject({ panic: false, failedPercent: 50 });
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
    const w = await setup();
    await w.startService('web', [fail500, fail500, ok]);
    const report = await w.run({ deadlineMs: 0 });
    expect(report).toMatchObject({ probes: 0, deferred: 3, deregistered: [], recordsWritten: 0 });
    expect((await scanHealthTargets(w.registrar.config.stateTableName)).health.size).toBe(0);
  });

  it('writes nothing for a steadily healthy fleet', async () => {
    const w = await setup();
    await w.startService('web', [ok, ok, ok]);
    for (let i = 0; i < 3; i++) expect((await w.run()).recordsWritten).toBe(0);
  });
});
