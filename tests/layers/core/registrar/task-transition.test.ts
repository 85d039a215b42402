import { judgeVersion, nextTaskState, replayRequestsFor, syncRequestsFor, type Endpoint, type TaskEvent, type TaskState } from '@ecs-sd/core';

const endpoint = (ip: string): Endpoint => ({ name: 'web', ip, port: 80, awsvpc: true, containerName: 'app', containerPort: 80, protocol: 'tcp', tags: [], check: {} });
const event = (over: Partial<TaskEvent>): TaskEvent => ({
  eventId: 'e', taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/demo/t1', taskId: 't1',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo', taskDefinitionArn: 'td', version: 3,
  lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [], environmentOverrides: {}, ...over,
});
const resolved = (unhealthy: string[] = []) => ({ endpoints: [endpoint('10.0.0.1')], problems: [], unresolved: [], checkProblems: [], hasMetadata: true, health: { gating: unhealthy, awaiting: unhealthy, healthy: unhealthy.length === 0 }, healthCheckStartPeriodSeconds: 0 });
const now = new Date('2026-01-01T00:00:00Z');

describe('task transitions', () => {
  it('judges versions: newer applies, equal replays, older is stale', () => {
    const stored = { version: 5 } as TaskState;
    expect(judgeVersion(undefined, { version: 1 })).toBe('apply');
    expect(judgeVersion(stored, { version: 6 })).toBe('apply');
    expect(judgeVersion(stored, { version: 5 })).toBe('replay');
    expect(judgeVersion(stored, { version: 4 })).toBe('stale');
  });

  it('RUNNING and healthy registers; with a container not yet HEALTHY it waits as PENDING_HEALTH', () => {
    expect(nextTaskState(undefined, event({}), resolved(), now, 60)).toMatchObject({ status: 'REGISTERED', registeredNames: ['web'] });
    expect(nextTaskState(undefined, event({}), resolved(['app']), now, 60)).toMatchObject({ status: 'PENDING_HEALTH', registeredNames: [], awaitingHealthOf: ['app'] });
  });

  it('stopping leaves a tombstone with a TTL that remembers the endpoints to clean up', () => {
    const registered = nextTaskState(undefined, event({}), resolved(), now, 60);
    const stopped = nextTaskState(registered, event({ desiredStatus: 'STOPPED', version: 4 }), undefined, now, 60);
    expect(stopped).toMatchObject({ status: 'STOPPED', registeredNames: [], expiresAt: now.getTime() / 1000 + 60 });
    expect(stopped.endpoints).toEqual(registered.endpoints);
    expect(syncRequestsFor(registered, stopped)).toEqual([{ serviceName: 'web', touchedTasks: [{ taskId: 't1', previousIp: '10.0.0.1' }] }]);
    expect(replayRequestsFor(stopped)).toEqual([{ serviceName: 'web', touchedTasks: [{ taskId: 't1', previousIp: '10.0.0.1' }] }]);
  });

  it('a registration touches the name without a previous IP', () => {
    const registered = nextTaskState(undefined, event({}), resolved(), now, 60);
    expect(syncRequestsFor(undefined, registered)).toEqual([{ serviceName: 'web', touchedTasks: [{ taskId: 't1', previousIp: undefined }] }]);
  });
});
