// Which endpoints a run probes (pure): only confirmed ECS addresses, only checkable endpoints, only when due.
import { checkFor, planProbes, type Endpoint, type HealthRecord, type TaskEvent, type TaskState } from '@ecs-sd/core';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const endpoint = (over: Partial<Endpoint> = {}): Endpoint => ({
  name: 'web',
  containerName: 'app',
  containerPort: 8080,
  protocol: 'tcp',
  ip: '10.0.0.1',
  port: 8080,
  awsvpc: true,
  tags: [],
  check: {},
  ...over,
});
const state = (endpoints: Endpoint[], over: Partial<TaskState> = {}): TaskState => ({
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/demo/a',
  taskId: 'a',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
  version: 1,
  status: 'REGISTERED',
  taskDefinitionArn: 'td',
  endpoints,
  registeredNames: ['web'],
  updatedAt: '',
  ...over,
});
const ecs = (over: Partial<TaskEvent> = {}): TaskEvent => ({
  eventId: 'e',
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/demo/a',
  taskId: 'a',
  clusterArn: 'c',
  taskDefinitionArn: 'td',
  version: 1,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  eniAddress: '10.0.0.1',
  containers: [],
  environmentOverrides: {},
  ...over,
});
const options = { defaultPath: '/health', defaultTimeoutMs: 2000, runStartedAt: T0 };

describe('planProbes', () => {
  it('probes an awsvpc endpoint at its ENI address with the default path and timeout', () => {
    const plan = planProbes([{ state: state([endpoint()]), ecs: ecs() }], options);
    expect(plan.probes).toEqual([
      expect.objectContaining({
        ip: '10.0.0.1',
        port: 8080,
        check: { kind: 'http', path: '/health' },
        timeoutMs: 2000,
        endpointKey: 'web/8080',
        description: 'HTTP GET http://10.0.0.1:8080/health',
      }),
    ]);
  });

  it.each([
    { name: 'ECS did not describe the task', ecs: undefined, reason: 'not-running' },
    { name: 'ECS says it is stopping', ecs: ecs({ desiredStatus: 'STOPPED' }), reason: 'not-running' },
    { name: 'ECS says it is not running yet', ecs: ecs({ lastStatus: 'PENDING' }), reason: 'not-running' },
    { name: 'the ENI address differs from the stored one', ecs: ecs({ eniAddress: '10.0.0.2' }), reason: 'address-mismatch' },
    { name: 'ECS reports no ENI address', ecs: ecs({ eniAddress: undefined }), reason: 'address-mismatch' },
  ])('skips when $name', ({ ecs: described, reason }) => {
    const plan = planProbes([{ state: state([endpoint()]), ecs: described }], options);
    expect(plan.probes).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toEqual([reason]);
  });

  it('bridge/host endpoints are probed only while the task is on the container instance the IP came from', () => {
    const bridge = endpoint({ awsvpc: false, ip: '10.0.5.5', port: 32768 });
    const s = state([bridge], { containerInstanceArn: 'ci-1' });
    expect(planProbes([{ state: s, ecs: ecs({ eniAddress: undefined, containerInstanceArn: 'ci-1' }) }], options).probes).toHaveLength(1);
    const moved = planProbes([{ state: s, ecs: ecs({ eniAddress: undefined, containerInstanceArn: 'ci-2' }) }], options);
    expect(moved.skipped.map((x) => x.reason)).toEqual(['address-mismatch']);
  });

  it('skips UDP endpoints, non-IP addresses, and (with an empty default path) endpoints without a check', () => {
    const plan = planProbes(
      [
        {
          state: state([
            endpoint({ protocol: 'udp', name: 'dns', containerPort: 53 }),
            endpoint({ name: 'named', containerPort: 81, ip: 'db.example.com', check: { tcp: true } }),
            endpoint({ name: 'plain', containerPort: 82 }),
            endpoint({ name: 'tcp', containerPort: 83, check: { tcp: true } }),
          ]),
          ecs: ecs(),
        },
      ],
      { ...options, defaultPath: '' },
    );
    expect(plan.skipped.map((s) => [s.endpointKey, s.reason])).toEqual([
      ['dns/53', 'udp'],
      ['named/81', 'not-an-ip'],
      ['plain/82', 'no-check'],
    ]);
    expect(plan.probes.map((p) => p.check)).toEqual([{ kind: 'tcp' }]);
  });

  it('honours per-endpoint paths, timeouts and intervals', () => {
    const e = endpoint({ check: { http: '/ready', timeoutSeconds: 12, intervalSeconds: 300 } });
    const health: HealthRecord = {
      taskArn: 'a',
      verdict: 'healthy',
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      checkedAt: { 'web/8080': T0 - 240_000 },
      firstSeenAt: 0,
      expiresAt: 0,
    };
    expect(planProbes([{ state: state([e]), ecs: ecs(), health }], options).skipped.map((s) => s.reason)).toEqual([
      'not-due',
    ]);
    const due = planProbes([{ state: state([e]), ecs: ecs(), health }], { ...options, runStartedAt: T0 + 58_000 });
    expect(due.probes).toEqual([
      expect.objectContaining({ check: { kind: 'http', path: '/ready' }, timeoutMs: 12_000, hasInterval: true }),
    ]);
  });
});

describe('checkFor', () => {
  it.each([
    { check: { tcp: true, http: '/x' }, expected: { kind: 'tcp' } },
    { check: { http: '/status' }, expected: { kind: 'http', path: '/status' } },
    { check: {}, expected: { kind: 'http', path: '/health' } },
  ])('$check -> $expected', ({ check, expected }) => {
    expect(checkFor(endpoint({ check }), '/health')).toEqual(expected);
  });
});

describe('stored check settings the rules reject (written by an older version) fall back to the default', () => {
  it.each([
    { name: 'a path with a space', check: { http: '/he alth' }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'a path without a leading slash', check: { http: 'ready' }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'a path with a control character', check: { http: '/r\u0000' }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'timeout 0 s', check: { timeoutSeconds: 0 }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'timeout 120 s (over 30)', check: { timeoutSeconds: 120 }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'interval 0 s', check: { intervalSeconds: 0 }, probe: { check: { kind: 'http', path: '/health' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'a valid TCP check with a timeout of NaN', check: { tcp: true, timeoutSeconds: Number.NaN }, probe: { check: { kind: 'tcp' }, timeoutMs: 2000, hasInterval: false } },
    { name: 'valid settings (kept)', check: { http: '/ok', timeoutSeconds: 0.1, intervalSeconds: 30 }, probe: { check: { kind: 'http', path: '/ok' }, timeoutMs: 100, hasInterval: true } },
  ])('$name', ({ check, probe }) => {
    const plan = planProbes([{ state: state([endpoint({ check })]), ecs: ecs() }], options);
    expect(plan.probes).toEqual([expect.objectContaining(probe)]);
  });
});
