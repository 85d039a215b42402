// Dirty names: the service names whose records must be brought in line with the state table. Every change of task
// state marks the names it touched IN THE SAME TRANSACTION as the state write (state/task-state.ts), so a durable
// state always has its mark; the scheduled functions mark the names they nominate. One writer at a time (the zone
// writer, controller/zone-writer.ts) drains the marks: it syncs each marked name from state and clears a mark only
// if nobody marked it again meanwhile (conditional delete on `rev`). A sync that failed leaves its mark, so it is
// redone from state whatever later events say.
//
//   pk DIRTY  sk NAME#<name>#TASK#<taskArn>   rev = the task state's revision that made the change
//   pk DIRTY  sk NAME#<name>#SYNC             rev = a counter, +1 per explicit mark (reconciler, health checker)
//
// One item per task and name (not one per name): concurrent transitions of different tasks never write the same
// item, so marking adds no DynamoDB transaction conflicts under a burst.
import { DeleteCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { documentClient } from '../aws/clients';
import { pagesBefore, deadlineCall } from '../util/deadline';
import { errorName } from '../util/retry';

export const DIRTY_PK = 'DIRTY';

/** One mark: `name` must be synced; `taskId` hints which per-task records may be involved. */
export interface DirtyMark {
  name: string;
  sk: string;
  rev: number;
  taskId?: string;
  /** epoch ms of the mark */
  markedAt?: number;
  /** epoch ms of the ECS event behind the mark (event-to-DNS latency), when it came from an event */
  eventTime?: number;
}

/** The mark item a task state transition writes for one name (put into the state transaction). */
export function taskMarkItem(
  name: string,
  task: { taskArn: string; taskId: string },
  revision: number,
  now: number,
  eventTime?: number,
) {
  return {
    pk: DIRTY_PK,
    sk: `NAME#${name}#TASK#${task.taskArn}`,
    name,
    taskId: task.taskId,
    rev: revision,
    markedAt: now,
    ...(eventTime === undefined ? {} : { eventTime }),
  };
}

export class DirtyNames {
  constructor(private readonly tableName: string) {}

  /** Marks names explicitly (not through a task state change). `deadline`: epoch ms. */
  async mark(names: string[], deadline?: number): Promise<void> {
    const limit = pLimit(8);
    await Promise.all(
      [...new Set(names)].map((name) =>
        limit(() =>
          deadlineCall(deadline, 'UpdateItem', (sendOptions) =>
            documentClient().send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: { pk: DIRTY_PK, sk: `NAME#${name}#SYNC` },
                UpdateExpression: 'SET #name = :name, markedAt = :now ADD rev :one',
                ExpressionAttributeNames: { '#name': 'name' },
                ExpressionAttributeValues: { ':name': name, ':now': Date.now(), ':one': 1 },
              }),
              sendOptions,
            ),
          ),
        ),
      ),
    );
  }

  /** Every mark, read consistently, all pages; `deadline` (epoch ms) bounds the read (DeadlineExceededError). */
  async list(deadline?: number): Promise<DirtyMark[]> {
    const marks: DirtyMark[] = [];
    const pages = pagesBefore(
      deadline,
      'Query',
      (sendOptions) =>
        paginateQuery(
          { client: documentClient() },
          {
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': DIRTY_PK },
            ConsistentRead: true,
          },
          sendOptions,
        ),
      (page) => page.LastEvaluatedKey,
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        marks.push({
          name: String(item.name),
          sk: String(item.sk),
          rev: Number(item.rev),
          taskId: item.taskId === undefined ? undefined : String(item.taskId),
          markedAt: item.markedAt === undefined ? undefined : Number(item.markedAt),
          eventTime: item.eventTime === undefined ? undefined : Number(item.eventTime),
        });
      }
    }
    return marks;
  }

  /**
   * Clears marks whose names were synced; a mark whose `rev` moved since it was read (the name was marked again
   * meanwhile) stays. Returns how many were cleared.
   */
  async clear(marks: DirtyMark[], deadline?: number): Promise<number> {
    const limit = pLimit(8);
    const cleared = await Promise.all(
      marks.map((mark) =>
        limit(async () => {
          try {
            await deadlineCall(deadline, 'DeleteItem', (sendOptions) =>
              documentClient().send(
                new DeleteCommand({
                  TableName: this.tableName,
                  Key: { pk: DIRTY_PK, sk: mark.sk },
                  ConditionExpression: 'rev = :rev',
                  ExpressionAttributeValues: { ':rev': mark.rev },
                }),
                sendOptions,
              ),
            );
            return 1;
          } catch (error) {
            if (errorName(error) === 'ConditionalCheckFailedException') return 0;
            throw error;
          }
        }),
      ),
    );
    return cleared.reduce((a: number, b) => a + b, 0);
  }
}
