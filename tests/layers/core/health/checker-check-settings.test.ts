// Metadata that would break the probe must not deregister a service. Per-endpoint SERVICE_<port>_CHECK_* settings are
// validated by the global parameters' rules (health/check-settings): an invalid one is reported once per task by
// the registrar (one WARN line naming the field and the rule, metric InvalidCheckSettings) and the endpoint's
// check falls back to the default; a probe that could not be sent never counts as the task's failure.
// End to end: registrar and checker against moto, probes to real loopback servers (health-world).
import {
  createProber,
  metrics,
  parseStatusCodes,
  runHealthCheck,
  scanHealthTargets,
  type CheckSpec,
  type PlannedProbe,
  type TaskState,
} from '@ecs-sd/core';
import { captureLogs, emfSum } from '../../../support/registrar-fixture';
import { taskStateChangeEvent } from '../../../support/ecs-scenario';
import { sqsBatch } from '../../../support/registrar-fixture';
import { useRoute53Guard, ZONE } from '../../../support/world';
import { healthWorld, type HealthWorld, type WorldTask } from './health-world';

const ok = { kind: 'status', status: 200 } as const;
const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  metrics.clearMetrics();
});

type Line = Record<string, unknown>;
const emf = emfSum;
const settingWarnings = (lines: Line[]) =>
  lines.filter((l) => l.level === 'WARN' && /Invalid health-check setting/.test(String(l.message)));

const registeredIds = async (w: HealthWorld, service: string) =>
  (await w.records())
    .filter((r) => r.type === 'A' && r.name.endsWith(`.${service}.${ZONE}.`))
    .map((r) => r.name.split('.')[0])
    .sort();

/** Starts one task of service "web" with these settings; returns it and the registrar's log lines. */
async function start(w: HealthWorld, env: Record<string, string>): Promise<{ task: WorldTask; lines: Line[] }> {
  const { result, lines } = await captureLogs(() => w.startService('web', [ok], { env }));
  return { task: result[0], lines };
}

const DEFAULT_TIMEOUT_MS = 300; // health-world: HEALTH_CHECK_TIMEOUT_SECONDS=0.3
const defaultCheck: CheckSpec = { kind: 'http', path: '/health' };

describe('invalid SERVICE_<port>_CHECK_* settings: reported once, default check, never deregistered', () => {
  it.each([
    { name: 'a path with a space', env: { SERVICE_8080_CHECK_HTTP: '/he alth' }, field: 'SERVICE_8080_CHECK_HTTP', rule: /start with \//, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'a path without a leading slash', env: { SERVICE_8080_CHECK_HTTP: 'ready' }, field: 'SERVICE_8080_CHECK_HTTP', rule: /start with \//, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'a path with a control character', env: { SERVICE_8080_CHECK_HTTP: '/ready\u0007' }, field: 'SERVICE_8080_CHECK_HTTP', rule: /control characters/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'a path with a tab', env: { SERVICE_8080_CHECK_HTTP: '/a\tb' }, field: 'SERVICE_8080_CHECK_HTTP', rule: /no spaces/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'timeout 0', env: { SERVICE_8080_CHECK_TIMEOUT: '0' }, field: 'SERVICE_8080_CHECK_TIMEOUT', rule: /from 0\.1 s to 30 s/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'timeout 100 (seconds, over HealthCheckTimeoutSeconds\' 30)', env: { SERVICE_8080_CHECK_TIMEOUT: '100' }, field: 'SERVICE_8080_CHECK_TIMEOUT', rule: /from 0\.1 s to 30 s/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'timeout "abc"', env: { SERVICE_8080_CHECK_TIMEOUT: 'abc' }, field: 'SERVICE_8080_CHECK_TIMEOUT', rule: /duration/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'timeout 50ms (under 0.1 s)', env: { SERVICE_8080_CHECK_TIMEOUT: '50ms' }, field: 'SERVICE_8080_CHECK_TIMEOUT', rule: /from 0\.1 s/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'interval "soon"', env: { SERVICE_8080_CHECK_INTERVAL: 'soon' }, field: 'SERVICE_8080_CHECK_INTERVAL', rule: /duration/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'interval 0', env: { SERVICE_8080_CHECK_INTERVAL: '0s' }, field: 'SERVICE_8080_CHECK_INTERVAL', rule: /from 1 s to 86400 s/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    { name: 'a TCP flag that is no flag (un-numbered form)', env: { SERVICE_CHECK_TCP: 'maybe' }, field: 'SERVICE_CHECK_TCP', rule: /must be one of true/, check: defaultCheck, timeoutMs: DEFAULT_TIMEOUT_MS },
    // sibling: only the invalid part falls back - a valid TCP check keeps TCP (the default HTTP path could not pass on a non-HTTP port)
    { name: 'a valid TCP check with an invalid timeout', env: { SERVICE_8080_CHECK_TCP: 'true', SERVICE_8080_CHECK_TIMEOUT: '1 minute' }, field: 'SERVICE_8080_CHECK_TIMEOUT', rule: /duration/, check: { kind: 'tcp' } as CheckSpec, timeoutMs: DEFAULT_TIMEOUT_MS },
  ] as { name: string; env: Record<string, string>; field: string; rule: RegExp; check: CheckSpec; timeoutMs: number }[])('$name', async ({ env, field, rule, check, timeoutMs }) => {
    const w = (world = await healthWorld(guard(), { STOP_UNHEALTHY_TASKS: 'false' }));
    const { task, lines } = await start(w, env);

    // Reported once, at registration: one WARN line naming the field and the rule, one InvalidCheckSettings.
    const warnings = settingWarnings(lines);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ field, value: Object.values(env).at(-1), containerName: 'app', containerPort: 8080 });
    expect(String(warnings[0].message)).toContain(field);
    expect(String(warnings[0].rule)).toMatch(rule);
    expect(emf(lines, 'InvalidCheckSettings')).toBe(1);
    expect(await registeredIds(w, 'web')).toEqual([task.taskId]);

    // Many runs: every probe is the default check (for the invalid part), none fails, the task stays registered,
    // and nothing is reported again.
    const { result: reports, lines: runLines } = await captureLogs(async () => {
      const out = [];
      for (let i = 0; i < 6; i++) out.push(await w.run());
      return out;
    });
    expect(reports.flatMap((r) => r.deregistered)).toEqual([]);
    expect(reports.map((r) => [r.probes, r.failedProbes, r.notSent])).toEqual(Array(6).fill([1, 0, 0]));
    expect(w.asked.map((p) => [p.check, p.timeoutMs])).toEqual(Array(6).fill([check, timeoutMs]));
    if (check.kind === 'http') expect(task.server.paths).toEqual(Array(6).fill('/health'));
    expect(settingWarnings(runLines)).toEqual([]);
    expect(emf(runLines, 'InvalidCheckSettings')).toBe(0);
    expect(await registeredIds(w, 'web')).toEqual([task.taskId]);
  });

  it('a later event of the same task (new version) does not report the setting again', async () => {
    const w = (world = await healthWorld(guard()));
    const { task, lines } = await start(w, { SERVICE_8080_CHECK_HTTP: '/he alth' });
    expect(settingWarnings(lines)).toHaveLength(1);
    const again = taskStateChangeEvent(task.task, { version: 50, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    const { result, lines: later } = await captureLogs(() => w.registrar.handler(sqsBatch([again])));
    expect(result.batchItemFailures).toEqual([]);
    expect(later.some((l) => l.message === 'Task state changed')).toBe(true); // the event was applied
    expect(settingWarnings(later)).toEqual([]);
    expect(emf(later, 'InvalidCheckSettings')).toBe(0);
  });

  it('valid settings are kept and not reported', async () => {
    const w = (world = await healthWorld(guard()));
    const { task, lines } = await start(w, { SERVICE_8080_CHECK_HTTP: '/ready?x=1', SERVICE_8080_CHECK_TIMEOUT: '250ms' });
    expect(settingWarnings(lines)).toEqual([]);
    await captureLogs(() => w.run());
    expect(w.asked.map((p) => [p.check, p.timeoutMs])).toEqual([[{ kind: 'http', path: '/ready?x=1' }, 250]]);
    expect(task.server.paths).toEqual(['/ready?x=1']);
  });
});

describe('a probe that could not be sent is never counted as the task failing', () => {
  /** Rewrites a task's stored endpoints, as an older version (or a damaged item) may have left them. */
  async function damage(w: HealthWorld, t: WorldTask, change: (e: TaskState['endpoints'][number]) => object) {
    const previous = (await w.registrar.store.get(t.taskArn)) as TaskState;
    await w.registrar.store.replace(previous, { ...previous, endpoints: previous.endpoints.map((e) => ({ ...e, ...change(e) })) });
  }

  it('stored settings the rules reject (state from an older version) fall back to the default check', async () => {
    const w = (world = await healthWorld(guard()));
    const { task } = await start(w, {});
    await damage(w, task, () => ({ check: { http: '/he alth', timeoutSeconds: 0, intervalSeconds: -5 } }));
    const { result: reports } = await captureLogs(async () => [await w.run(), await w.run(), await w.run(), await w.run()]);
    expect(reports.flatMap((r) => r.deregistered)).toEqual([]);
    expect(w.asked.map((p) => [p.check, p.timeoutMs, (p as PlannedProbe).hasInterval])).toEqual(Array(4).fill([defaultCheck, DEFAULT_TIMEOUT_MS, false]));
    expect(await registeredIds(w, 'web')).toEqual([task.taskId]);
  });

  it('an unsendable probe (port outside 1-65535) counts neither for the task nor toward panic; it is logged and counted', async () => {
    const w = (world = await healthWorld(guard(), { PANIC_MIN_PROBES: '1' }));
    const { task } = await start(w, {});
    await damage(w, task, () => ({ port: 70000 }));
    // The real prober, untranslated: it refuses the probe before any I/O.
    const deps = { ...w.deps, prober: createProber(parseStatusCodes('200-299')!) };
    for (let i = 0; i < 5; i++) {
      w.clock.now += 60_000;
      const { result: report, lines } = await captureLogs(() => runHealthCheck(deps, Date.now() + 20_000));
      expect(report).toMatchObject({ probes: 0, failedProbes: 0, notSent: 1, panic: false, deregistered: [], recordsWritten: 0 });
      const warn = lines.filter((l) => l.level === 'WARN' && /could not be sent/.test(String(l.message)));
      expect(warn).toHaveLength(1);
      expect(warn[0].examples).toEqual([expect.objectContaining({ taskArn: task.taskArn, result: 'not sent: invalid port' })]);
    }
    expect((await scanHealthTargets(w.registrar.config.stateTableName)).health.size).toBe(0);
    expect(await registeredIds(w, 'web')).toEqual([task.taskId]);
  });

  it('a prober that throws instead of answering neither fails the run nor counts against the task', async () => {
    const w = (world = await healthWorld(guard()));
    const { task } = await start(w, {});
    const deps = {
      ...w.deps,
      prober: async () => {
        throw new Error('socket budget exhausted');
      },
    };
    for (let i = 0; i < 4; i++) {
      w.clock.now += 60_000;
      const { result: report } = await captureLogs(() => runHealthCheck(deps, Date.now() + 20_000));
      expect(report).toMatchObject({ probes: 0, notSent: 1, deregistered: [] });
    }
    expect(await registeredIds(w, 'web')).toEqual([task.taskId]);
  });

  it('the ProbesNotSent metric is emitted by the scheduled run', async () => {
    const w = (world = await healthWorld(guard()));
    const { task } = await start(w, {});
    await damage(w, task, () => ({ port: 0 }));
    metrics.clearMetrics();
    const { lines } = await captureLogs(async () => {
      await runHealthCheck({ ...w.deps, prober: createProber(parseStatusCodes('200-299')!) }, Date.now() + 20_000);
      metrics.publishStoredMetrics();
    });
    expect(emf(lines, 'ProbesNotSent')).toBe(1);
    expect(emf(lines, 'ProbeFailures')).toBe(0);
  });
});
