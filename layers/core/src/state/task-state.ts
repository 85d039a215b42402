// Per-task state in DynamoDB: the version guard (ECS delivers task events at least once and out of order; only a
// newer detail.version changes anything), tombstones for stopped tasks (a late RUNNING cannot resurrect them), and
// the membership items each service name's records are planned from.
//
//   pk TASK#<taskArn>  sk TASK             version, status, endpoints, registeredNames, expiresAt (tombstone TTL)
//   pk NAME#<name>     sk TASK#<taskArn>   the task's endpoints for that name while it is REGISTERED
import { GetCommand, TransactWriteCommand, paginateQuery, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import type { Endpoint, UnresolvedPort } from '../resolve/endpoints';
import type { Member } from '../plan/records';
import { errorName, withRetries } from '../util/retry';
import { taskMarkUpdate } from './dirty-names';
import { deadlineCall, pagesBefore } from '../util/deadline';

/**
 * STARTING        seen, not RUNNING yet
 * UNRESOLVED      RUNNING, but no metadata port has an address and a host port binding yet (registers nothing;
 *                 re-resolved by the task's later events, also at the same version, and by the reconciler)
 * PENDING_HEALTH  resolved, waiting for containers with a health check to report HEALTHY (or held out by the checker)
 * REGISTERED      in DNS
 * STOPPED         tombstone (expiresAt)
 */
/** REJECTED: running, but every metadata port was rejected (invalid names): nothing to register. */
export type TaskStatus = 'STARTING' | 'UNRESOLVED' | 'PENDING_HEALTH' | 'REGISTERED' | 'REJECTED' | 'STOPPED';

export interface TaskState {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  version: number;
  status: TaskStatus;
  serviceName?: string;
  group?: string;
  taskDefinitionArn: string;
  containerInstanceArn?: string;
  startedAt?: string;
  /** REGISTERED/PENDING_HEALTH: the task's endpoints; STOPPED: the endpoints it last had (for cleanup) */
  endpoints: Endpoint[];
  /** names whose records currently include this task */
  registeredNames: string[];
  /** metadata ports that could not be resolved at the last transition, and why (UNRESOLVED: all of them; REGISTERED /
   * PENDING_HEALTH: the ones left out while the others registered) */
  unresolved?: UnresolvedPort[];
  /** containers that must report HEALTHY before the task registers */
  awaitingHealthOf?: string[];
  healthCheckStartPeriodSeconds?: number;
  updatedAt: string;
  expiresAt?: number;
  /** bumped on every write; writers compare it (optimistic locking), so the health checker and the registrar
   * cannot overwrite each other even when the ECS version did not change */
  revision?: number;
}

export const taskKey = (taskArn: string) => ({ pk: `TASK#${taskArn}`, sk: 'TASK' });
export const memberKey = (name: string, taskArn: string) => ({ pk: `NAME#${name}`, sk: `TASK#${taskArn}` });

export class StaleStateError extends Error {
  constructor() {
    super('Task state changed concurrently');
    this.name = 'StaleStateError';
  }
}

/** Stable text of what a member item says about a name's records (DynamoDB does not keep attribute order). */
function memberText(state: TaskState | undefined, name: string): string | undefined {
  if (!state?.registeredNames.includes(name)) return undefined;
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sorted(v)]))
        : value;
  return JSON.stringify(sorted(state.endpoints.filter((e) => e.name === name)));
}

/** The names whose member item a transition adds, removes or changes: the names whose records may change. */
export function changedMemberships(previous: TaskState | undefined, next: TaskState): string[] {
  const names = new Set([...(previous?.registeredNames ?? []), ...next.registeredNames]);
  return [...names].filter((name) => memberText(previous, name) !== memberText(next, name)).sort();
}

export class TaskStateStore {
  constructor(private readonly tableName: string) {}

  /** The task's state, read consistently; `deadline` (epoch ms) bounds the call (DeadlineExceededError). */
  async get(taskArn: string, options: { deadline?: number } = {}): Promise<TaskState | undefined> {
    const out = await deadlineCall(options.deadline, 'GetItem', (sendOptions) =>
      documentClient().send(new GetCommand({ TableName: this.tableName, Key: taskKey(taskArn), ConsistentRead: true }), sendOptions),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = out.Item;
    return state as TaskState;
  }

  /**
   * Writes `next` only if the stored state is still `previous` (compared by revision), and in the same transaction
   * moves the task's membership items and marks dirty every name whose membership changed (state/dirty-names.ts):
   * a durable state always has its marks. Throws StaleStateError when another writer got there first.
   * @param options.deadline epoch ms bounding the write; options.eventTime: the ECS event's time (epoch ms), kept
   *   on the marks for the event-to-DNS latency metric
   */
  async replace(
    previous: TaskState | undefined,
    proposed: TaskState,
    options: { deadline?: number; eventTime?: number } = {},
  ): Promise<TaskState> {
    const next: TaskState = { ...proposed, revision: (previous?.revision ?? 0) + 1 };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...taskKey(next.taskArn), ...next },
          ConditionExpression: previous ? '#r = :previous' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: previous ? { '#r': 'revision' } : undefined,
          ExpressionAttributeValues: previous ? { ':previous': previous.revision ?? 0 } : undefined,
        },
      },
    ];
    const nextNames = new Set(next.registeredNames);
    const now = Date.now();
    const changed = changedMemberships(previous, next);
    if (changed.length > 0) {
      items.push({ Update: taskMarkUpdate(this.tableName, changed, next, next.revision as number, now, options.eventTime) });
    }
    for (const name of previous?.registeredNames ?? []) {
      if (!nextNames.has(name)) items.push({ Delete: { TableName: this.tableName, Key: memberKey(name, next.taskArn) } });
    }
    for (const name of nextNames) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...memberKey(name, next.taskArn),
            taskArn: next.taskArn,
            taskId: next.taskId,
            clusterArn: next.clusterArn,
            endpoints: next.endpoints.filter((e) => e.name === name),
            updatedAt: next.updatedAt,
          },
        },
      });
    }
    try {
      const write = () =>
        deadlineCall(options.deadline, 'TransactWriteItems', (sendOptions) =>
          documentClient().send(new TransactWriteCommand({ TransactItems: items }), sendOptions),
        );
      await withRetries(write, {
        deadline: options.deadline,
        // TransactionConflict: another transaction touched one of the items; the condition decides on retry.
        isRetryable: (e) =>
          errorName(e) === 'TransactionCanceledException' &&
          /TransactionConflict/.test((e as Error).message) &&
          !/ConditionalCheckFailed/.test((e as Error).message),
        maxAttempts: 5,
      });
    } catch (error) {
      if (errorName(error) === 'TransactionCanceledException' && /ConditionalCheckFailed/.test((error as Error).message)) {
        throw new StaleStateError();
      }
      throw error;
    }
    return next;
  }

  /**
   * Registered members of a service name, read consistently, every page (lib-dynamodb paginateQuery).
   * @param options.deadline epoch ms: no page after it, the page in flight aborted at it (DeadlineExceededError)
   * @param options.pageSize items per Query page (DynamoDB Limit; default: 1 MB pages)
   */
  async members(name: string, options: { deadline?: number; pageSize?: number } = {}): Promise<Member[]> {
    const members: Member[] = [];
    const pages = pagesBefore(
      options.deadline,
      'Query',
      (sendOptions) =>
        paginateQuery(
          { client: documentClient(), pageSize: options.pageSize },
          {
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `NAME#${name}` },
            ConsistentRead: true,
          },
          sendOptions,
        ),
      (page) => page.LastEvaluatedKey,
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) members.push({ taskId: item.taskId, endpoints: item.endpoints ?? [] });
    }
    return members;
  }
}
