// Health counters of the health checker, one item per task beside (never inside) the registrar's task item, so
// the two writers never race on one item:
//
//   pk TASK#<taskArn>  sk HEALTH   verdict, consecutive failures/successes, last results, expiresAt (TTL)
//
// Only the health checker writes these, and one run at a time: a run works only while it holds the run lease
// (state/run-lease.ts), so two runs never write blindly over each other. An item is rewritten only when something
// in it changes, so a steady fleet costs no writes; expiresAt is refreshed before it runs out, and items of stopped
// tasks simply expire.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { documentClient } from '../aws/clients';
import { errorName, withRetries } from '../util/retry';
import { deadlineCall } from '../util/deadline';

export type HealthVerdict = 'healthy' | 'unhealthy';

export interface HealthRecord {
  taskArn: string;
  verdict: HealthVerdict;
  /** consecutive failing runs outside the grace period (capped at the unhealthy threshold) */
  consecutiveFailures: number;
  /** consecutive passing runs (capped at the healthy threshold) */
  consecutiveSuccesses: number;
  /** result of the last run that probed the task, e.g. "HTTP GET http://10.0.1.7:8080/health -> HTTP 500" */
  lastResult?: string;
  /** the last failing check and its result (named in the StopTask reason) */
  lastFailure?: string;
  /** endpoint key -> start (epoch ms) of the run that last probed it; kept only for endpoints with an interval */
  checkedAt: Record<string, number>;
  /** epoch ms the checker first saw the task (grace period when the task has no startedAt) */
  firstSeenAt: number;
  /** epoch ms the verdict last became unhealthy */
  unhealthySince?: number;
  /** epoch seconds (DynamoDB TTL) */
  expiresAt: number;
}

export const HEALTH_SK = 'HEALTH';
export const healthKey = (taskArn: string) => ({ pk: `TASK#${taskArn}`, sk: HEALTH_SK });

const BATCH_WRITE_LIMIT = 25;

export function fromHealthItem(item: Record<string, unknown>): HealthRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  const parsed = record as unknown as HealthRecord;
  return { ...parsed, checkedAt: parsed.checkedAt ?? {} };
}

/** Writes health records with BatchWriteItem (25 per request), retrying unprocessed items. */
export async function putHealthRecords(
  tableName: string,
  records: HealthRecord[],
  options: { concurrency?: number; deadline?: number } = {},
): Promise<void> {
  const limit = pLimit(options.concurrency ?? 8);
  const batches: HealthRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_WRITE_LIMIT) batches.push(records.slice(i, i + BATCH_WRITE_LIMIT));
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        let requests = batch.map((r) => ({ PutRequest: { Item: { ...healthKey(r.taskArn), ...r } } }));
        await withRetries(
          async () => {
            const out = await deadlineCall(options.deadline, 'BatchWriteItem', (sendOptions) =>
              documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }), sendOptions),
            );
            const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
            if (unprocessed.length > 0) {
              requests = unprocessed as typeof requests;
              throw Object.assign(new Error(`${unprocessed.length} health records unprocessed`), {
                name: 'UnprocessedItems',
              });
            }
          },
          {
            isRetryable: (e) =>
              ['UnprocessedItems', 'ProvisionedThroughputExceededException', 'ThrottlingException'].includes(
                errorName(e) ?? '',
              ),
            maxAttempts: 6,
            deadline: options.deadline,
          },
        );
      }),
    ),
  );
}
