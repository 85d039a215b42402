// Pure rules for tasks whose endpoints cannot all be resolved: which state they get, which later events apply to
// them (also at the same version), and which version a DescribeTasks snapshot without one gets.
import {
  inferVersion,
  judgeVersion,
  needsResolution,
  nextTaskState,
  resolveEndpoints,
  type Endpoint,
  type ResolvedEndpoints,
  type TaskEvent,
  type TaskState,
  type UnresolvedPort,
} from '@ecs-sd/core';

const now = new Date('2026-01-01T00:00:00Z');
const event = (over: Partial<TaskEvent> = {}): TaskEvent => ({
  eventId: 'e', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/demo/t1', taskId: 't1',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo', taskDefinitionArn: 'td', version: 3,
  lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [], environmentOverrides: {}, ...over,
});
const NAMING = { zoneName: 'svc.internal', srvNameFormat: 'plain' as const };
const endpoint = (name: string, address: Partial<Endpoint>): Endpoint => ({
  name, containerName: name, containerPort: 80, protocol: 'tcp', port: 80, awsvpc: true, tags: [], check: {}, ...address,
});
const unresolvedPort = (name: string): UnresolvedPort => ({ containerName: name, containerPort: 80, protocol: 'tcp', reason: 'no binding yet' });
const resolved = (endpoints: Endpoint[], unresolved: UnresolvedPort[]): ResolvedEndpoints => ({
  endpoints, unresolved, problems: [], checkProblems: [], hasMetadata: true, health: { gating: [], awaiting: [], healthy: true }, healthCheckStartPeriodSeconds: 0,
});
const stored = (status: TaskState['status'], version = 4, unresolved?: UnresolvedPort[]) =>
  ({ status, version, ...(unresolved ? { unresolved } : {}) }) as TaskState;

describe('nextTaskState with unresolved ports', () => {
  it('no port resolves: UNRESOLVED, nothing registered, the ports and reasons kept', () => {
    expect(nextTaskState(undefined, event(), resolved([], [unresolvedPort('api')]), now, 60)).toMatchObject({
      status: 'UNRESOLVED', endpoints: [], registeredNames: [], unresolved: [unresolvedPort('api')],
    });
  });

  it('some ports resolve: those register, the rest stay listed (and the task keeps needing resolution)', () => {
    const next = nextTaskState(undefined, event(), resolved([endpoint('api', { ip: '10.0.0.1' })], [unresolvedPort('admin')]), now, 60);
    expect(next).toMatchObject({ status: 'REGISTERED', registeredNames: ['api'], unresolved: [unresolvedPort('admin')] });
    expect(needsResolution(next)).toBe(true);
  });

  it('an IPv6-only endpoint registers like any other', () => {
    const next = nextTaskState(undefined, event(), resolved([endpoint('web', { ipv6: '2600:1f18::1' })], []), now, 60);
    expect(next).toMatchObject({ status: 'REGISTERED', registeredNames: ['web'] });
    expect(next.unresolved).toBeUndefined();
    expect(needsResolution(next)).toBe(false);
  });

  it('a stop turns an UNRESOLVED task into a tombstone that needs nothing more', () => {
    const unresolved = nextTaskState(undefined, event(), resolved([], [unresolvedPort('api')]), now, 60);
    const stopped = nextTaskState(unresolved, event({ version: 4, desiredStatus: 'STOPPED' }), undefined, now, 60);
    expect(stopped).toMatchObject({ status: 'STOPPED', registeredNames: [] });
    expect(needsResolution(stopped)).toBe(false);
  });
});

describe('judgeVersion for tasks that need resolution', () => {
  it('applies the same version while the task needs resolution; otherwise newer applies, same replays, older is stale', () => {
    const cases = [
      { stored: stored('UNRESOLVED'), version: 4, verdict: 'apply' }, // ECS filled bindings in without a new version
      { stored: stored('REGISTERED', 4, [unresolvedPort('admin')]), version: 4, verdict: 'apply' },
      { stored: stored('PENDING_HEALTH', 4, [unresolvedPort('admin')]), version: 4, verdict: 'apply' },
      { stored: stored('UNRESOLVED'), version: 5, verdict: 'apply' },
      { stored: stored('UNRESOLVED'), version: 3, verdict: 'stale' },
      { stored: stored('REGISTERED'), version: 4, verdict: 'replay' },
      { stored: stored('STOPPED', 4, [unresolvedPort('admin')]), version: 4, verdict: 'replay' }, // tombstones stay
    ];
    for (const c of cases) {
      const name = `${c.stored.status}${c.stored.unresolved ? ' with unresolved ports' : ''} v4, event v${c.version}`;
      expect({ name, verdict: judgeVersion(c.stored, { version: c.version }) }).toEqual({ name, verdict: c.verdict });
    }
  });

  it('a DescribeTasks snapshot without a version re-resolves an UNRESOLVED task at its own version, and a stop is newer', () => {
    expect(inferVersion(stored('UNRESOLVED'), { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })).toBe(4);
    expect(judgeVersion(stored('UNRESOLVED'), { version: 4 })).toBe('apply');
    expect(inferVersion(stored('UNRESOLVED'), { lastStatus: 'RUNNING', desiredStatus: 'STOPPED' })).toBe(5);
  });
});

describe('resolveEndpoints: why a port is unresolved', () => {
  const td = (networkMode: string) => ({
    networkMode,
    containerDefinitions: [{ name: 'api', portMappings: [{ containerPort: 80 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
  });
  const bound = [{ name: 'api', networkBindings: [{ containerPort: 80, hostPort: 32768, protocol: 'tcp' }] }];

  it.each([
    { name: 'awsvpc without any ENI address', mode: 'awsvpc', over: {}, host: undefined, reason: /no IPv4 or IPv6 ENI address/ },
    { name: 'bridge whose host lookup failed', mode: 'bridge', over: { containers: bound }, host: { problem: 'container instance x: gone' }, reason: /container instance x: gone/ },
    { name: 'bridge without a binding', mode: 'bridge', over: { containers: [{ name: 'api' }] }, host: { address: { ip: '10.0.0.5' } }, reason: /host port binding/ },
    { name: 'bridge with a host port out of range', mode: 'bridge', over: { containers: [{ name: 'api', networkBindings: [{ containerPort: 80, hostPort: 70000 }] }] }, host: { address: { ip: '10.0.0.5' } }, reason: /host port binding/ },
  ])('$name', ({ mode, over, host, reason }) => {
    const out = resolveEndpoints(event(over), td(mode), host, NAMING);
    expect(out.endpoints).toEqual([]);
    expect(out.problems).toEqual([]);
    expect(out.unresolved).toEqual([{ containerName: 'api', containerPort: 80, protocol: 'tcp', reason: expect.stringMatching(reason) }]);
  });

  it('a bridge task on an IPv6-only host resolves with the host IPv6 address alone', () => {
    const out = resolveEndpoints(event({ containers: bound }), td('bridge'), { address: { ipv6: '2600:1f18::5' } }, NAMING);
    expect(out.unresolved).toEqual([]);
    expect(out.endpoints).toEqual([expect.objectContaining({ ipv6: '2600:1f18::5', port: 32768, awsvpc: false })]);
    expect(out.endpoints[0]).not.toHaveProperty('ip');
  });
});
