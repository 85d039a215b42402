// One run at a time for a scheduled function. EventBridge schedules deliver at least once and a run may last until
// the function's timeout, so without a guard two runs can overlap: MaxStopPercent would be applied twice and blind
// health-record writes could regress each other. Reserved concurrency would also do it, but it can fail to deploy
// in accounts with a small concurrency quota, so the guard is a lease item in the state table:
//
//   pk LEASE#<function>  sk LEASE   owner (the invocation's request id), leaseUntil (epoch ms), acquiredAt,
//                                   expiresAt (DynamoDB TTL, epoch s; only clean-up: leaseUntil decides)
//
// A run takes the lease with a conditional PutItem (no lease, or the holder's leaseUntil has passed) for as long as
// its invocation can live, and releases it at the end with a DeleteItem conditional on being the owner. A run that
// crashed holds the lease only until its leaseUntil, when the invocation would have been stopped anyway; the next
// run then takes it over. A run that cannot take the lease changes nothing.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import { countMetric, instrumentHandler } from '../observability';
import { errorName } from '../util/retry';
import { invocationDeadline } from '../util/batching';

export const LEASE_SK = 'LEASE';
export const leaseKey = (name: string) => ({ pk: `LEASE#${name}`, sk: LEASE_SK });

/** How long a lease item lingers after leaseUntil before DynamoDB TTL removes it (clean-up only). */
const TTL_SLACK_SECONDS = 3600;

export interface LeaseHolder {
  owner: string;
  /** epoch ms */
  leaseUntil: number;
}

export interface RunLease extends LeaseHolder {
  name: string;
  /** Deletes the lease if this run still owns it; false when it had expired and another run took it over. */
  release(): Promise<boolean>;
}

export type LeaseAttempt = { acquired: true; lease: RunLease } | { acquired: false; holder?: LeaseHolder };

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

/**
 * Takes the lease `name` for `owner` until `leaseUntil` (epoch ms), if nobody holds it or the holder's lease has
 * passed. `now` is the wall clock the expiry is judged by.
 */
export async function acquireRunLease(
  tableName: string,
  name: string,
  options: { owner: string; leaseUntil: number; now?: number },
): Promise<LeaseAttempt> {
  const now = options.now ?? Date.now();
  const { owner, leaseUntil } = options;
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...leaseKey(name),
          owner,
          leaseUntil,
          acquiredAt: now,
          expiresAt: Math.ceil(leaseUntil / 1000) + TTL_SLACK_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { acquired: false, holder: await currentHolder(tableName, name) };
  }
  return {
    acquired: true,
    lease: { name, owner, leaseUntil, release: () => releaseRunLease(tableName, name, owner) },
  };
}

/** Deletes the lease only if `owner` still holds it. */
export async function releaseRunLease(tableName: string, name: string, owner: string): Promise<boolean> {
  try {
    await documentClient().send(
      new DeleteCommand({
        TableName: tableName,
        Key: leaseKey(name),
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Who holds the lease now (for the log line of a run that could not take it). */
async function currentHolder(tableName: string, name: string): Promise<LeaseHolder | undefined> {
  try {
    const out = await documentClient().send(new GetCommand({ TableName: tableName, Key: leaseKey(name), ConsistentRead: true }));
    return out.Item ? { owner: String(out.Item.owner), leaseUntil: Number(out.Item.leaseUntil) } : undefined;
  } catch {
    return undefined; // only for the log line
  }
}

/** What a scheduled function reports for a run that did nothing because another run held the lease. */
export interface SkippedRun {
  reason: 'another run holds the run lease';
  holder?: string;
  /** ISO time the holder's lease runs out */
  leaseUntil?: string;
}

export const skippedRun = (holder?: LeaseHolder): SkippedRun => ({
  reason: 'another run holds the run lease',
  holder: holder?.owner,
  leaseUntil: holder ? new Date(holder.leaseUntil).toISOString() : undefined,
});

export type ExclusiveRun<T> = { ran: true; result: T } | { ran: false; holder?: LeaseHolder };

/**
 * Runs `run` only while holding the lease `name`; otherwise logs, emits `OverlappingRunsSkipped` and returns
 * without calling it. The lease is released when `run` ends, whether it returned or threw.
 */
export async function runExclusively<T>(
  options: { tableName: string; name: string; owner: string; leaseUntil: number; log: Logger },
  run: () => Promise<T>,
): Promise<ExclusiveRun<T>> {
  const { tableName, name, owner, leaseUntil, log } = options;
  const attempt = await acquireRunLease(tableName, name, { owner, leaseUntil });
  if (!attempt.acquired) {
    countMetric('OverlappingRunsSkipped');
    log.warn('Another run still holds the run lease; this run does nothing', {
      lease: name,
      holder: attempt.holder?.owner,
      leaseUntil: attempt.holder ? new Date(attempt.holder.leaseUntil).toISOString() : undefined,
    });
    return { ran: false, holder: attempt.holder };
  }
  try {
    return { ran: true, result: await run() };
  } finally {
    try {
      if (!(await attempt.lease.release())) {
        log.warn('The run lease had expired and another run took it over before this run released it', { lease: name });
      }
    } catch (error) {
      log.warn('Could not release the run lease; it expires by itself', { lease: name, error: error as Error });
    }
  }
}

/**
 * A scheduled Lambda handler that runs `run` at most once at a time (the lease lasts as long as the invocation can)
 * with a deadline that keeps `safetyMarginMs` before the timeout; instrumentHandler publishes the run's metrics.
 */
export function exclusiveScheduledHandler<T>(options: {
  tableName: string;
  leaseName: string;
  /** assumed remaining time when invoked without a Lambda context (tests, scripts) */
  defaultRemainingMs: number;
  safetyMarginMs: number;
  log: Logger;
  run: (deadline: number) => Promise<T>;
  skipped: (skip: SkippedRun) => T;
}) {
  return instrumentHandler(async function handler(_event: unknown, context?: Context): Promise<T> {
    const startedAt = Date.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? options.defaultRemainingMs;
    const deadline = invocationDeadline(context, options.defaultRemainingMs, options.safetyMarginMs);
    const run = await runExclusively(
      {
        tableName: options.tableName,
        name: options.leaseName,
        owner: context?.awsRequestId || randomUUID(),
        leaseUntil: startedAt + Math.max(remaining, 1000),
        log: options.log,
      },
      () => options.run(deadline),
    );
    return run.ran ? run.result : options.skipped(skippedRun(run.holder));
  });
}
