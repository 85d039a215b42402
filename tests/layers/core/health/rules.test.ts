// The health checker's pure rules, as tables of before/after cases.
import {
  awaitedContainersHealthy,
  deregisteredState,
  evaluatePanic,
  freshHealthRecord,
  healthRecordChanged,
  inGrace,
  nextHealthRecord,
  promotedState,
  registrationAction,
  selectStops,
  stopReason,
  type HealthPolicy,
  type HealthRecord,
  type StopCandidate,
  type TaskEvent,
  type TaskState,
} from '@ecs-sd/core';

const policy: HealthPolicy = {
  unhealthyThreshold: 3,
  healthyThreshold: 2,
  gracePeriodSeconds: 60,
  maxStopPercent: 50,
  panicThreshold: 50,
  panicMinProbes: 5,
  recordTtlSeconds: 86400,
};
const T0 = Date.parse('2025-01-01T00:00:00Z');
const arn = 'arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef0123456789abcdef';

const fail = { ok: false, summary: 'HTTP GET http://10.0.0.1:8080/health -> HTTP 500', intervalKeys: [] };
const pass = { ok: true, summary: 'HTTP GET http://10.0.0.1:8080/health -> HTTP 200', intervalKeys: [] };
const ctx = (graceActive = false) => ({ graceActive, runStartedAt: T0, now: T0, policy });

function runs(outcomes: (typeof fail | undefined)[], start: HealthRecord = freshHealthRecord(arn, T0, 86400)) {
  return outcomes.reduce((record, outcome) => nextHealthRecord(record, outcome, ctx()), start);
}

const state = (over: Partial<TaskState> = {}): TaskState => ({
  taskArn: arn,
  taskId: '0123456789abcdef0123456789abcdef',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
  version: 2,
  status: 'REGISTERED',
  serviceName: 'web',
  group: 'service:web',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
  startedAt: new Date(T0).toISOString(),
  endpoints: [
    { name: 'web', containerName: 'app', containerPort: 8080, protocol: 'tcp', ip: '10.0.0.1', port: 8080, awsvpc: true, tags: [], check: {} },
    { name: 'admin', containerName: 'app', containerPort: 9090, protocol: 'tcp', ip: '10.0.0.1', port: 9090, awsvpc: true, tags: [], check: {} },
  ],
  registeredNames: ['admin', 'web'],
  updatedAt: new Date(T0).toISOString(),
  ...over,
});

const ecs = (health: Record<string, string> = {}): TaskEvent => ({
  eventId: 'x',
  taskArn: arn,
  taskId: 'x',
  clusterArn: 'c',
  taskDefinitionArn: 'td',
  version: 2,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  containers: Object.entries(health).map(([name, healthStatus]) => ({ name, healthStatus })),
  environmentOverrides: {},
});

describe('thresholds', () => {
  it.each([
    { outcomes: [fail, fail], verdict: 'healthy', failures: 2 },
    { outcomes: [fail, fail, fail], verdict: 'unhealthy', failures: 3 },
    { outcomes: [fail, fail, pass, fail, fail], verdict: 'healthy', failures: 2 },
    { outcomes: [fail, undefined, fail, fail], verdict: 'unhealthy', failures: 3 }, // a run without probes changes nothing
    { outcomes: [fail, fail, fail, fail, fail], verdict: 'unhealthy', failures: 3 }, // capped: no write per run
  ])('$outcomes.length runs -> $verdict', ({ outcomes, verdict, failures }) => {
    const record = runs(outcomes);
    expect(record.verdict).toBe(verdict);
    expect(record.consecutiveFailures).toBe(failures);
  });

  it('recovers only after HealthyThreshold consecutive successes', () => {
    const unhealthy = runs([fail, fail, fail]);
    expect(runs([pass], unhealthy).verdict).toBe('unhealthy');
    expect(runs([pass, fail, pass], unhealthy).verdict).toBe('unhealthy');
    const recovered = runs([pass, pass], unhealthy);
    expect(recovered).toMatchObject({ verdict: 'healthy', consecutiveFailures: 0 });
    expect(recovered.unhealthySince).toBeUndefined();
  });

  it('remembers the failing check for the StopTask reason, and when it turned unhealthy', () => {
    const record = runs([fail, fail, fail]);
    expect(record.lastFailure).toBe(fail.summary);
    expect(record.unhealthySince).toBe(T0);
  });

  it('records the run time of endpoints with an interval', () => {
    const record = nextHealthRecord(freshHealthRecord(arn, T0, 1), { ...pass, intervalKeys: ['web/8080'] }, {
      ...ctx(),
      runStartedAt: T0 + 5,
    });
    expect(record.checkedAt).toEqual({ 'web/8080': T0 + 5 });
  });
});

describe('grace period', () => {
  it('failures during the grace period do not count', () => {
    const record = [fail, fail, fail, fail].reduce(
      (r, o) => nextHealthRecord(r, o, ctx(true)),
      freshHealthRecord(arn, T0, 86400),
    );
    expect(record).toMatchObject({ verdict: 'healthy', consecutiveFailures: 0, lastFailure: fail.summary });
  });

  it.each([
    { seconds: 59, param: 60, startPeriod: undefined, expected: true },
    { seconds: 60, param: 60, startPeriod: undefined, expected: false },
    { seconds: 100, param: 60, startPeriod: 120, expected: true }, // the longer of the two
    { seconds: 100, param: 300, startPeriod: 120, expected: true },
    { seconds: 130, param: 0, startPeriod: 120, expected: false },
  ])('$seconds s after start, param $param, startPeriod $startPeriod -> in grace: $expected', (c) => {
    const s = state({ healthCheckStartPeriodSeconds: c.startPeriod });
    expect(inGrace(s, undefined, { ...policy, gracePeriodSeconds: c.param }, T0 + c.seconds * 1000)).toBe(c.expected);
  });

  it('counts from when the checker first saw the task when ECS gave no startedAt', () => {
    const s = state({ startedAt: undefined });
    const seen = { ...freshHealthRecord(arn, T0, 1) };
    expect(inGrace(s, seen, policy, T0 + 30_000)).toBe(true);
    expect(inGrace(s, seen, policy, T0 + 61_000)).toBe(false);
  });
});

describe('panic', () => {
  const probes = (failed: number, total: number) =>
    Array.from({ length: total }, (_, i) => ({ ok: i >= failed }));
  it.each([
    { failed: 0, total: 0, panic: false },
    { failed: 5, total: 10, panic: false }, // exactly the threshold is not "more than"
    { failed: 6, total: 10, panic: true },
    { failed: 49, total: 100, panic: false },
  ])('$failed of $total failing -> panic $panic', ({ failed, total, panic }) => {
    expect(evaluatePanic(probes(failed, total), { panicThreshold: 50, panicMinProbes: 5 }).panic).toBe(panic);
  });

  it.each([
    { failed: 1, total: 1, min: 5, panic: false, tooFew: true }, // one task, one failing probe: no evidence
    { failed: 4, total: 4, min: 5, panic: false, tooFew: true },
    { failed: 5, total: 5, min: 5, panic: true, tooFew: false }, // the minimum itself is enough
    { failed: 3, total: 5, min: 5, panic: true, tooFew: false },
    { failed: 2, total: 4, min: 5, panic: false, tooFew: false }, // not over the threshold anyway
    { failed: 1, total: 1, min: 1, panic: true, tooFew: false }, // PanicMinProbes=1: the old behaviour
  ])('PanicMinProbes $min: $failed of $total failing -> panic $panic', ({ failed, total, min, panic, tooFew }) => {
    expect(evaluatePanic(probes(failed, total), { panicThreshold: 50, panicMinProbes: min })).toMatchObject({
      panic,
      tooFewProbes: tooFew,
    });
  });
});

describe('registration', () => {
  const unhealthy: HealthRecord = { ...freshHealthRecord(arn, T0, 1), verdict: 'unhealthy' };
  it.each([
    { status: 'REGISTERED', verdict: 'unhealthy', health: {}, awaiting: undefined, action: 'deregister' },
    { status: 'REGISTERED', verdict: 'healthy', health: {}, awaiting: undefined, action: undefined },
    { status: 'PENDING_HEALTH', verdict: 'healthy', health: { app: 'HEALTHY' }, awaiting: ['app'], action: 'promote' },
    { status: 'PENDING_HEALTH', verdict: 'healthy', health: { app: 'UNKNOWN' }, awaiting: ['app'], action: undefined },
    { status: 'PENDING_HEALTH', verdict: 'healthy', health: {}, awaiting: ['app'], action: undefined },
    { status: 'PENDING_HEALTH', verdict: 'unhealthy', health: { app: 'HEALTHY' }, awaiting: ['app'], action: undefined },
    { status: 'PENDING_HEALTH', verdict: 'healthy', health: {}, awaiting: [], action: 'promote' }, // recovered
  ] as const)('$status, $verdict, containers $health -> $action', (c) => {
    const s = state({ status: c.status, awaitingHealthOf: c.awaiting ? [...c.awaiting] : undefined });
    const record = c.verdict === 'unhealthy' ? unhealthy : undefined;
    expect(registrationAction(s, ecs(c.health as Record<string, string>), record)).toBe(c.action);
  });

  it('deregistering keeps the endpoints (for recovery) and empties the names; promoting restores them', () => {
    const out = deregisteredState(state(), new Date(T0));
    expect(out).toMatchObject({ status: 'PENDING_HEALTH', registeredNames: [], awaitingHealthOf: [] });
    expect(out.endpoints).toHaveLength(2);
    const back = promotedState(out, new Date(T0));
    expect(back).toMatchObject({ status: 'REGISTERED', registeredNames: ['admin', 'web'] });
    expect(back.awaitingHealthOf).toBeUndefined();
  });

  it('every awaited container must be HEALTHY', () => {
    const s = state({ awaitingHealthOf: ['app', 'proxy'] });
    expect(awaitedContainersHealthy(s, ecs({ app: 'HEALTHY', proxy: 'UNHEALTHY' }))).toBe(false);
    expect(awaitedContainersHealthy(s, ecs({ app: 'HEALTHY', proxy: 'HEALTHY' }))).toBe(true);
  });
});

describe('stop brakes', () => {
  const candidate = (i: number, group = 'web'): StopCandidate => ({
    taskArn: `t${i}`,
    clusterArn: 'c',
    group,
    unhealthySince: T0 + i,
    reason: 'r',
  });
  it.each([
    { running: 4, healthy: 1, candidates: 3, percent: 50, stopped: 2 },
    { running: 4, healthy: 1, candidates: 3, percent: 100, stopped: 3 },
    { running: 3, healthy: 2, candidates: 1, percent: 50, stopped: 1 },
    { running: 1, healthy: 0, candidates: 1, percent: 100, stopped: 0 }, // the only task
    { running: 2, healthy: 0, candidates: 2, percent: 100, stopped: 0 }, // no healthy task would remain
    { running: 10, healthy: 9, candidates: 1, percent: 0, stopped: 0 },
    { running: 3, healthy: 1, candidates: 2, percent: 50, stopped: 1 }, // floor(1.5)
  ])('$running running, $healthy healthy, $candidates unhealthy, $percent% -> $stopped stopped', (c) => {
    const counts = new Map([['web', { running: c.running, healthy: c.healthy }]]);
    const decision = selectStops(Array.from({ length: c.candidates }, (_, i) => candidate(i)), counts, c.percent);
    expect(decision.stop).toHaveLength(c.stopped);
    expect(decision.held).toHaveLength(c.candidates - c.stopped);
  });

  it('stops the longest-unhealthy first, and judges each service on its own', () => {
    const counts = new Map([
      ['web', { running: 4, healthy: 2 }],
      ['api', { running: 2, healthy: 0 }],
    ]);
    const decision = selectStops([candidate(3), candidate(1), candidate(2, 'api')], counts, 25);
    expect(decision.stop.map((c) => c.taskArn)).toEqual(['t1']);
    expect(decision.held).toEqual([
      { candidate: candidate(3), rule: 'max-stop-percent' },
      { candidate: candidate(2, 'api'), rule: 'last-healthy' },
    ]);
  });

  it('the reason names the check and its result and never exceeds 255 characters', () => {
    const record = runs([fail, fail, fail]);
    expect(stopReason(record, policy)).toBe(
      'ecs-service-discovery: health check failed 3 consecutive times; last: HTTP GET http://10.0.0.1:8080/health -> HTTP 500',
    );
    const long = { ...record, lastFailure: `HTTP GET http://10.0.0.1:8080/${'x'.repeat(400)} -> HTTP 500` };
    expect(stopReason(long, policy)).toHaveLength(255);
  });
});

describe('health record writes', () => {
  const fresh = freshHealthRecord(arn, T0, 86400);
  it('a steadily healthy task needs no record and no write', () => {
    expect(healthRecordChanged(undefined, nextHealthRecord(fresh, pass, ctx()), T0, 86400)).toBe(false);
  });
  it('any count toward a threshold is written', () => {
    expect(healthRecordChanged(undefined, nextHealthRecord(fresh, fail, ctx()), T0, 86400)).toBe(true);
  });
  it('a capped unhealthy record is not rewritten every run, but refreshed before its TTL runs out', () => {
    const record = runs([fail, fail, fail]);
    const again = nextHealthRecord(record, fail, ctx());
    expect(healthRecordChanged(record, again, T0, 86400)).toBe(false);
    expect(healthRecordChanged(record, again, T0 + 50_000_000, 86400)).toBe(true);
  });
});
