// Pure: the next state of a task given its stored state, a newer event and (for running tasks) its endpoints.
//
// Unresolved endpoints: a RUNNING task whose metadata ports have no address (an ENI without one yet, a host whose
// lookup failed permanently) or no host port binding (ECS can report a bridge task RUNNING before it fills in
// networkBindings, and fills them in without a new detail.version) is not REGISTERED with nothing in it:
//   - no port resolves: UNRESOLVED, nothing registered, `unresolved` says which ports and why;
//   - some ports resolve: those register as usual (REGISTERED / PENDING_HEALTH), the rest are kept in `unresolved`
//     (a sidecar that never binds must not keep the task's other names out of DNS).
// Either way the task needs resolution: its next event applies even at the SAME version, and the reconciler
// re-resolves it from DescribeTasks each run, until nothing is unresolved or the task stops.
import { isStopping, type TaskEvent } from '../parse/task-event';
import type { ResolvedEndpoints } from '../resolve/endpoints';
import type { TouchedTask, SyncRequest } from '../backends/backend';
import type { TaskState } from '../state/task-state';

export type EventVerdict = 'apply' | 'replay' | 'stale';

/** A running task with metadata ports that could not be resolved at its last transition. */
export function needsResolution(state: Pick<TaskState, 'status' | 'unresolved'> | undefined): boolean {
  if (!state || state.status === 'STOPPED') return false;
  return state.status === 'UNRESOLVED' || (state.unresolved?.length ?? 0) > 0;
}

/**
 * Newer versions apply; the same version replays (re-sync only) unless the task still needs resolution (then it
 * applies: ECS fills in addresses and bindings without bumping the version); older ones change nothing.
 */
export function judgeVersion(
  previous: Pick<TaskState, 'version' | 'status' | 'unresolved'> | undefined,
  event: Pick<TaskEvent, 'version'>,
): EventVerdict {
  if (!previous) return 'apply';
  if (event.version > previous.version) return 'apply';
  if (event.version < previous.version) return 'stale';
  return needsResolution(previous) ? 'apply' : 'replay';
}

/** The parts of a state a transition decides; equal parts mean a re-resolution changed nothing. */
export function sameOutcome(a: TaskState, b: TaskState): boolean {
  const key = (s: TaskState) =>
    JSON.stringify([s.version, s.status, s.registeredNames, s.endpoints, s.unresolved ?? [], s.awaitingHealthOf ?? []]);
  return key(a) === key(b);
}

export function nextTaskState(
  previous: TaskState | undefined,
  event: TaskEvent,
  resolved: ResolvedEndpoints | undefined,
  now: Date,
  tombstoneTtlSeconds: number,
): TaskState {
  const base = {
    taskArn: event.taskArn,
    taskId: event.taskId,
    clusterArn: event.clusterArn,
    version: event.version,
    serviceName: event.serviceName,
    group: event.group,
    taskDefinitionArn: event.taskDefinitionArn,
    containerInstanceArn: event.containerInstanceArn,
    startedAt: event.startedAt ?? previous?.startedAt,
    updatedAt: now.toISOString(),
  };
  if (isStopping(event)) {
    const lastEndpoints = previous?.status === 'REGISTERED' ? previous.endpoints : (previous?.endpoints ?? []);
    return {
      ...base,
      status: 'STOPPED',
      endpoints: lastEndpoints,
      registeredNames: [],
      expiresAt: Math.floor(now.getTime() / 1000) + tombstoneTtlSeconds,
    };
  }
  if (event.lastStatus !== 'RUNNING' || !resolved) {
    return { ...base, status: 'STARTING', endpoints: [], registeredNames: [] };
  }
  const unresolved = resolved.unresolved.length > 0 ? { unresolved: resolved.unresolved } : {};
  if (resolved.endpoints.length === 0 && resolved.unresolved.length > 0) {
    return { ...base, status: 'UNRESOLVED', endpoints: [], registeredNames: [], ...unresolved };
  }
  if (resolved.endpoints.length === 0) {
    // Every port's metadata was rejected (a configuration error, logged once): nothing is registered, and the state
    // says so; a new task definition is the fix, so nothing retries it.
    return { ...base, status: 'REJECTED', endpoints: [], registeredNames: [] };
  }
  const names = [...new Set(resolved.endpoints.map((e) => e.name))].sort();
  if (!resolved.health.healthy) {
    // Kept: every container that gates the task (ECS's rule, resolve/task-health), so the health checker promotes
    // it only once all of them report HEALTHY, not just those that were not HEALTHY in this event.
    return {
      ...base,
      status: 'PENDING_HEALTH',
      endpoints: resolved.endpoints,
      registeredNames: [],
      awaitingHealthOf: resolved.health.gating,
      healthCheckStartPeriodSeconds: resolved.healthCheckStartPeriodSeconds,
      ...unresolved,
    };
  }
  return {
    ...base,
    status: 'REGISTERED',
    endpoints: resolved.endpoints,
    registeredNames: names,
    healthCheckStartPeriodSeconds: resolved.healthCheckStartPeriodSeconds,
    ...unresolved,
  };
}

/** The IPv4 address (the per-task A record's value) the task had under each name; IPv6-only endpoints have none. */
function ipByName(state: TaskState | undefined): Map<string, string | undefined> {
  return new Map((state?.endpoints ?? []).map((e) => [e.name, e.ip]));
}

/** The service names whose records must be synced after a transition, with the task's previous IP per name. */
export function syncRequestsFor(previous: TaskState | undefined, next: TaskState): SyncRequest[] {
  const previousIps = ipByName(previous);
  const names = new Set([...(previous?.registeredNames ?? []), ...next.registeredNames]);
  return [...names].sort().map((serviceName) => {
    const touched: TouchedTask = {
      taskId: next.taskId,
      previousIp: previous?.registeredNames.includes(serviceName) ? previousIps.get(serviceName) : undefined,
    };
    return { serviceName, touchedTasks: [touched] };
  });
}

/** A replayed event (same version) re-syncs whatever the stored state implies, e.g. after a failed write. */
export function replayRequestsFor(state: TaskState): SyncRequest[] {
  const ips = ipByName(state);
  const names = new Set([...state.registeredNames, ...(state.status === 'STOPPED' ? ips.keys() : [])]);
  return [...names].sort().map((serviceName) => ({
    serviceName,
    touchedTasks: [{ taskId: state.taskId, previousIp: ips.get(serviceName) }],
  }));
}
