// Pure: a DescribeTasks result shaped as the TaskEvent the registrar understands, so the reconciler and the health
// checker reuse the registrar's parsing and transitions instead of a second copy.
//
// Version: ECS returns `version` from DescribeTasks (the same counter as detail.version in events). When it is
// absent (moto does not return it) the snapshot can still be ordered by the task lifecycle, which never goes
// back: a stop is newer than any running state, and RUNNING is newer than a stored STARTING. Such a snapshot
// gets the stored version + 1 (applies); otherwise the stored version (a replay: re-sync only, no change), or 0
// for a task with no state yet (any event that carries a real version then wins). A stored UNRESOLVED task is
// already RUNNING: a RUNNING snapshot keeps its version, which judgeVersion applies (re-resolves) because the task
// needs resolution; bumping it would make the task's real next event (often its stop, at version + 1) a replay.
import type { Task } from '@aws-sdk/client-ecs';
import { isStopping, parseTaskEvent, type TaskEvent } from '../parse/task-event';
import type { TaskState, TaskStatus } from '../state/task-state';

const STORED_RANK: Record<TaskStatus, number> = {
  STARTING: 0,
  UNRESOLVED: 1,
  PENDING_HEALTH: 1,
  REGISTERED: 1,
  REJECTED: 1,
  STOPPED: 2,
};

function snapshotRank(task: Pick<TaskEvent, 'lastStatus' | 'desiredStatus'>): number {
  if (isStopping(task)) return 2;
  return task.lastStatus === 'RUNNING' ? 1 : 0;
}

export function inferVersion(
  stored: Pick<TaskState, 'version' | 'status'> | undefined,
  task: Pick<TaskEvent, 'lastStatus' | 'desiredStatus'>,
): number {
  if (!stored) return 0;
  return snapshotRank(task) > STORED_RANK[stored.status] ? stored.version + 1 : stored.version;
}

/** Throws InvalidEventError when ECS returned something the registrar would not accept either. */
export function snapshotEvent(task: Task, stored: TaskState | undefined, source = 'snapshot'): TaskEvent {
  // JSON turns the SDK's Date fields into the ISO strings events carry.
  const detail = JSON.parse(JSON.stringify(task)) as Record<string, unknown>;
  const lastStatus = String(detail.lastStatus ?? '');
  const desiredStatus = String(detail.desiredStatus ?? '');
  const version =
    typeof task.version === 'number' ? task.version : inferVersion(stored, { lastStatus, desiredStatus });
  return parseTaskEvent({
    id: `${source}:${task.taskArn}:${version}`,
    source: 'aws.ecs',
    'detail-type': 'ECS Task State Change',
    detail: { ...detail, version },
  });
}

/** A stop for a task ECS no longer knows at all (never describable again): built from what state remembers. */
export function missingTaskStopEvent(stored: TaskState, source = 'snapshot'): TaskEvent {
  return {
    eventId: `${source}:${stored.taskArn}:missing`,
    taskArn: stored.taskArn,
    taskId: stored.taskId,
    clusterArn: stored.clusterArn,
    taskDefinitionArn: stored.taskDefinitionArn,
    version: stored.version + 1,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    serviceName: stored.serviceName,
    group: stored.group,
    containerInstanceArn: stored.containerInstanceArn,
    startedAt: stored.startedAt,
    containers: [],
    environmentOverrides: {},
  };
}
