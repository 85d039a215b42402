// Reads of the whole state table for the scheduled functions: a parallel Scan (segments read concurrently, each
// paginated) with a filter, so one pass returns what a run needs. The table has no index on status; at 5,000
// tasks the table is a few MB, which a 4-segment scan reads in well under a few seconds.
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import { pagesBefore } from '../util/deadline';
import type { Member } from '../plan/records';
import { HEALTH_SK, fromHealthItem, type HealthRecord } from './health-records';
import type { TaskState, TaskStatus } from './task-state';

export interface ScanOptions {
  filter: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  segments?: number;
  /** epoch ms: no page is requested after it, and a page in flight is aborted at it (DeadlineExceededError) */
  deadline?: number;
  /** items evaluated per page (DynamoDB Limit; default: DynamoDB's 1 MB pages) */
  pageSize?: number;
}

/**
 * Every item of the table that matches `options.filter`, read by a parallel Scan (`segments`, default 4), each
 * segment paged with lib-dynamodb's paginateScan until LastEvaluatedKey is absent.
 * Throws DeadlineExceededError past `options.deadline`, PagingStalledError on a repeated LastEvaluatedKey.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan
 */
export async function scanItems(tableName: string, options: ScanOptions): Promise<Record<string, unknown>[]> {
  const segments = Math.max(1, options.segments ?? 4);
  const { deadline } = options;
  const pages = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Record<string, unknown>[] = [];
      const segmentPages = pagesBefore(
        deadline,
        'Scan',
        (sendOptions) =>
          paginateScan(
            { client: documentClient(), pageSize: options.pageSize },
            {
              TableName: tableName,
              FilterExpression: options.filter,
              ExpressionAttributeNames: options.names,
              ExpressionAttributeValues: options.values,
              Segment: segments > 1 ? segment : undefined,
              TotalSegments: segments > 1 ? segments : undefined,
            },
            sendOptions,
          ),
        (page) => page.LastEvaluatedKey,
      );
      for await (const page of segmentPages) items.push(...(page.Items ?? []));
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

/** Tasks in the given statuses plus every health record, in one scan (`deadline`: epoch ms, see scanItems). */
export async function scanHealthTargets(
  tableName: string,
  statuses: TaskStatus[] = ['REGISTERED', 'PENDING_HEALTH'],
  segments?: number,
  deadline?: number,
): Promise<HealthTargetsSnapshot> {
  const values: Record<string, unknown> = { ':task': 'TASK', ':health': HEALTH_SK };
  statuses.forEach((s, i) => (values[`:s${i}`] = s));
  const items = await scanItems(tableName, {
    filter: `(sk = :task AND #status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})) OR sk = :health`,
    names: { '#status': 'status' },
    values,
    segments,
    deadline,
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

/** Every task item and membership item, in one scan (`deadline`: epoch ms, see scanItems). */
export async function scanTasksAndMembers(tableName: string, segments?: number, deadline?: number): Promise<StateSnapshot> {
  const items = await scanItems(tableName, {
    filter: 'sk = :task OR (begins_with(pk, :name) AND begins_with(sk, :member))',
    values: { ':task': 'TASK', ':name': 'NAME#', ':member': 'TASK#' },
    segments,
    deadline,
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
