// Reads of the whole state table for the scheduled functions: a parallel Scan (segments read concurrently, each
// paginated) with a filter, so one pass returns what a run needs. The table has no index on status; at 5,000
// tasks the table is a few MB, which a 4-segment scan reads in well under a few seconds.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import type { Member } from '../plan/records';
import { HEALTH_SK, fromHealthItem, type HealthRecord } from './health-records';
import type { TaskState, TaskStatus } from './task-state';

export interface ScanOptions {
  filter: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  segments?: number;
}

export async function scanItems(tableName: string, options: ScanOptions): Promise<Record<string, unknown>[]> {
  const segments = Math.max(1, options.segments ?? 4);
  const pages = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await documentClient().send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: options.filter,
            ExpressionAttributeNames: options.names,
            ExpressionAttributeValues: options.values,
            Segment: segments > 1 ? segment : undefined,
            TotalSegments: segments > 1 ? segments : undefined,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey);
      return items;
    }),
  );
  return pages.flat();
}

const toTaskState = (item: Record<string, unknown>): TaskState => {
  const { pk: _pk, sk: _sk, ...state } = item;
  return state as unknown as TaskState;
};

export interface HealthTargetsSnapshot {
  tasks: TaskState[];
  health: Map<string, HealthRecord>;
}

/** Tasks in the given statuses plus every health record, in one scan. */
export async function scanHealthTargets(
  tableName: string,
  statuses: TaskStatus[] = ['REGISTERED', 'PENDING_HEALTH'],
  segments?: number,
): Promise<HealthTargetsSnapshot> {
  const values: Record<string, unknown> = { ':task': 'TASK', ':health': HEALTH_SK };
  statuses.forEach((s, i) => (values[`:s${i}`] = s));
  const items = await scanItems(tableName, {
    filter: `(sk = :task AND #status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})) OR sk = :health`,
    names: { '#status': 'status' },
    values,
    segments,
  });
  const tasks: TaskState[] = [];
  const health = new Map<string, HealthRecord>();
  for (const item of items) {
    if (item.sk === HEALTH_SK) {
      const record = fromHealthItem(item);
      health.set(record.taskArn, record);
    } else tasks.push(toTaskState(item));
  }
  return { tasks, health };
}

export interface StateSnapshot {
  /** every task item, tombstones included */
  tasks: TaskState[];
  /** registered members per service name (the membership items) */
  members: Map<string, Member[]>;
}

/** Every task item and membership item, in one scan. */
export async function scanTasksAndMembers(tableName: string, segments?: number): Promise<StateSnapshot> {
  const items = await scanItems(tableName, {
    filter: 'sk = :task OR (begins_with(pk, :name) AND begins_with(sk, :member))',
    values: { ':task': 'TASK', ':name': 'NAME#', ':member': 'TASK#' },
    segments,
  });
  const tasks: TaskState[] = [];
  const members = new Map<string, Member[]>();
  for (const item of items) {
    if (item.sk === 'TASK') {
      tasks.push(toTaskState(item));
      continue;
    }
    const name = String(item.pk).slice('NAME#'.length);
    const list = members.get(name) ?? members.set(name, []).get(name)!;
    list.push({ taskId: String(item.taskId), endpoints: (item.endpoints as Member['endpoints']) ?? [] });
  }
  return { tasks, members };
}
