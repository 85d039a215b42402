// Pure: the next state of a task given its stored state, a newer event and (for running tasks) its endpoints.
import { isStopping, type TaskEvent } from '../parse/task-event';
import type { ResolvedEndpoints } from '../resolve/endpoints';
import type { TouchedTask, SyncRequest } from '../backends/backend';
import type { TaskState } from '../state/task-state';

export type EventVerdict = 'apply' | 'replay' | 'stale';

/** Newer versions apply; the same version replays (re-sync only); older ones change nothing. */
export function judgeVersion(previous: TaskState | undefined, event: Pick<TaskEvent, 'version'>): EventVerdict {
  if (!previous) return 'apply';
  if (event.version > previous.version) return 'apply';
  return event.version === previous.version ? 'replay' : 'stale';
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
    };
  }
  return {
    ...base,
    status: 'REGISTERED',
    endpoints: resolved.endpoints,
    registeredNames: names,
    healthCheckStartPeriodSeconds: resolved.healthCheckStartPeriodSeconds,
  };
}

function ipByName(state: TaskState | undefined): Map<string, string> {
  return new Map((state?.endpoints ?? []).flatMap((e) => (e.ip ? [[e.name, e.ip] as const] : [])));
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
