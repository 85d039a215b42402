// Dirty names: the service names whose records must be brought in line with the state table. Every change of task
// state marks the names it touched IN THE SAME TRANSACTION as the state write (state/task-state.ts), so a durable
// state always has its mark; the scheduled functions mark the names they nominate. One writer at a time (the zone
// writer, controller/zone-writer.ts) drains the marks: it syncs each marked name from state and clears a mark only
// if nobody marked it again meanwhile (conditional delete on `rev`). A sync that failed leaves its mark, so it is
// redone from state whatever later events say.
//
//   pk DIRTY  sk TASK#<taskArn>      names (a string set, grown by every transition until drained),
//                                   rev = the task state's revision of the last change
//   pk DIRTY  sk NAME#<name>#SYNC    names {<name>}, rev = a counter, +1 per explicit mark (reconciler, checker)
//
// One item per task (not one per name): concurrent transitions of different tasks never write the same item, so
// marking adds no DynamoDB transaction conflicts under a burst, and a transition adds one item to its transaction
// whatever the number of names (TransactWriteItems takes at most 100).
import { DeleteCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { documentClient } from '../aws/clients';
import { pagesBefore, deadlineCall } from '../util/deadline';
import { errorName } from '../util/retry';

export const DIRTY_PK = 'DIRTY';

/** One mark: `names` must be synced; `taskId` hints which per-task records may be involved. */
export interface DirtyMark {
  names: string[];
  sk: string;
  rev: number;
  taskId?: string;
  /** epoch ms of the mark */
  markedAt?: number;
  /** epoch ms of the ECS event behind the mark (event-to-DNS latency), when it came from an event */
  eventTime?: number;
}

/**
 * The Update a task state transition puts into its transaction: adds `names` to the task's mark (names marked by an
 * earlier transition and not yet drained stay) and sets its revision.
 */
export function taskMarkUpdate(
  tableName: string,
  names: string[],
  task: { taskArn: string; taskId: string },
  revision: number,
  now: number,
  eventTime?: number,
) {
  const values: Record<string, unknown> = { ':names': new Set(names), ':rev': revision, ':now': now, ':task': task.taskId };
  let set = 'SET rev = :rev, markedAt = :now, taskId = :task';
  if (eventTime !== undefined) {
    values[':eventTime'] = eventTime;
    set += ', eventTime = if_not_exists(eventTime, :eventTime)';
  }
  return {
    TableName: tableName,
    Key: { pk: DIRTY_PK, sk: `TASK#${task.taskArn}` },
    UpdateExpression: `${set} ADD #names :names`,
    ExpressionAttributeNames: { '#names': 'names' },
    ExpressionAttributeValues: values,
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
                UpdateExpression: 'SET markedAt = :now ADD rev :one, #names :names',
                ExpressionAttributeNames: { '#names': 'names' },
                ExpressionAttributeValues: { ':names': new Set([name]), ':now': Date.now(), ':one': 1 },
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
          names: [...((item.names as Set<string> | undefined) ?? [])].map(String).sort(),
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
