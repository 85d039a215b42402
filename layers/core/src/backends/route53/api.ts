// The only module that calls the Route 53 API. Retries Throttling, PriorRequestNotComplete (another change to the
// zone is still being applied) and 5xx with jittered backoff inside the caller's deadline.
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type RRType,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { route53Client } from '../../aws/clients';
import { countMetric, logger } from '../../observability';
import { errorName, withRetries } from '../../util/retry';
import { cursorGuard, deadlineCall, PagingStalledError } from '../../util/deadline';
import { canonicalName } from '../../parse/dns-name';
import type { Change } from '../../plan/route53-changes';
import type { RecordSet, RecordType } from '../../plan/records';

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

export function isRetryableRoute53Error(error: unknown): boolean {
  const name = errorName(error);
  if (name && RETRYABLE.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const code = (error as { code?: string })?.code;
  return (status !== undefined && status >= 500) || (code !== undefined && RETRYABLE.has(code));
}

export interface CallOptions {
  deadline: number;
}

let calls = { change: 0, list: 0 };
/** Counters for logs and benchmarks. */
export const route53CallCounts = () => ({ ...calls });
export const resetRoute53CallCounts = () => {
  calls = { change: 0, list: 0 };
};

/** Route 53's "slow down" answers: throttling, and a change to the zone still being applied (PriorRequestNotComplete). */
const THROTTLES = new Set(['Throttling', 'ThrottlingException', 'PriorRequestNotComplete']);

/** Metrics Route53Throttles (every throttled answer, the last attempt's included) and Route53Retries. */
function retry<T>(operation: string, fn: () => Promise<T>, options: CallOptions): Promise<T> {
  const counted = () =>
    fn().catch((error: unknown) => {
      if (THROTTLES.has(errorName(error) ?? '')) countMetric('Route53Throttles');
      throw error;
    });
  return withRetries(counted, {
    isRetryable: isRetryableRoute53Error,
    deadline: options.deadline,
    maxAttempts: 10,
    baseDelayMs: 200,
    maxDelayMs: 4000,
    onRetry: (error, attempt, delayMs) => {
      countMetric('Route53Retries');
      logger.warn('Route 53 call retried', { operation, attempt, delayMs, error: errorName(error) });
    },
  });
}

export const toAws = (set: RecordSet): ResourceRecordSet =>
  set.alias
    ? {
        Name: set.name,
        Type: set.type as RRType,
        AliasTarget: {
          HostedZoneId: set.alias.hostedZoneId,
          DNSName: set.alias.dnsName,
          EvaluateTargetHealth: set.alias.evaluateTargetHealth,
        },
      }
    : {
        Name: set.name,
        Type: set.type as RRType,
        TTL: set.ttl,
        ResourceRecords: set.values.map((Value) => ({ Value })),
      };

/** The inverse of toAws for a set found at `name` (alias sets carry their target and no values). */
export const fromAws = (rs: ResourceRecordSet, name: string): RecordSet => {
  const set: RecordSet = {
    name,
    type: rs.Type as RecordType,
    ttl: rs.TTL ?? 0,
    values: (rs.ResourceRecords ?? []).map((r) => r.Value ?? '').sort(),
  };
  if (rs.AliasTarget) {
    set.alias = {
      hostedZoneId: rs.AliasTarget.HostedZoneId ?? '',
      dnsName: rs.AliasTarget.DNSName ?? '',
      evaluateTargetHealth: rs.AliasTarget.EvaluateTargetHealth ?? false,
    };
  }
  return set;
};

export async function changeRecordSets(
  hostedZoneId: string,
  changes: Change[],
  options: CallOptions & { comment?: string },
): Promise<string | undefined> {
  const out = await retry(
    'ChangeResourceRecordSets',
    () =>
      deadlineCall(options.deadline, 'ChangeResourceRecordSets', (sendOptions) => {
        calls.change++;
        countMetric('Route53Calls');
        return route53Client().send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: {
              Comment: options.comment?.slice(0, 256),
              Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toAws(c.set) })),
            },
          }),
          sendOptions,
        );
      }),
    options,
  );
  // Values written (an alias set counts as one), the measure Route 53 limits per request and per zone.
  countMetric('Route53ChangedValues', changes.reduce((n, c) => n + (c.set.alias ? 1 : c.set.values.length), 0));
  return out.ChangeInfo?.Id;
}

/** Where a ListResourceRecordSets page starts: the full cursor (name, type and, for routing-policy sets, identifier). */
interface ListCursor {
  name?: string;
  type?: RRType;
  identifier?: string;
}

/**
 * One ListResourceRecordSets page from `start` (the SDK has no paginator for it), retried like every call here and
 * bounded by the deadline (DeadlineExceededError).
 */
function listPage(
  hostedZoneId: string,
  start: ListCursor,
  maxItems: number,
  options: CallOptions,
): Promise<ListResourceRecordSetsCommandOutput> {
  return retry(
    'ListResourceRecordSets',
    () =>
      deadlineCall(options.deadline, 'ListResourceRecordSets', (sendOptions) => {
        calls.list++;
        countMetric('Route53Calls');
        return route53Client().send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: start.name,
            StartRecordType: start.type,
            StartRecordIdentifier: start.identifier,
            MaxItems: maxItems,
          }),
          sendOptions,
        );
      }),
    options,
  );
}

/**
 * The zone's record sets from `start` on, page by page, each page's sets in the zone's order. Every next page
 * starts at the full cursor Route 53 returned (NextRecordName, NextRecordType and NextRecordIdentifier: without the
 * identifier, a name+type with more than a page of weighted/multivalue sets restarts at its first set forever).
 * Stops at the deadline (DeadlineExceededError) and on a cursor already seen (PagingStalledError).
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
 */
async function* recordSetPages(
  hostedZoneId: string,
  start: ListCursor,
  maxItems: number,
  options: CallOptions,
): AsyncGenerator<{ sets: ZoneRecordSet[]; more: boolean }> {
  const advance = cursorGuard('ListResourceRecordSets');
  let cursor = start;
  for (;;) {
    const out = await listPage(hostedZoneId, cursor, maxItems, options);
    const sets = (out.ResourceRecordSets ?? []).map((rs) => {
      const set: ZoneRecordSet = fromAws(rs, canonicalName(rs.Name ?? ''));
      if (rs.SetIdentifier) set.setIdentifier = rs.SetIdentifier;
      return set;
    });
    const more = Boolean(out.IsTruncated && out.NextRecordName);
    yield { sets, more };
    if (!more) return;
    cursor = { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier };
    advance(cursor);
  }
}

/**
 * All record sets at exactly `name`, any type (alias sets with their `alias` target and no values; weighted or
 * multivalue sets with their `setIdentifier`, one entry per set). Throws DeadlineExceededError past the deadline.
 */
export async function recordSetsAt(hostedZoneId: string, name: string, options: CallOptions): Promise<ZoneRecordSet[]> {
  const wanted = canonicalName(name);
  const found: ZoneRecordSet[] = [];
  for await (const page of recordSetPages(hostedZoneId, { name: wanted }, 20, options)) {
    for (const set of page.sets) {
      // Sets come in zone order from `wanted` on: the first other name means every set of `wanted` was read.
      if (set.name !== wanted) return found;
      found.push(set);
    }
  }
  return found;
}

/**
 * Every record set at `name` and below it (any depth, any type). ListResourceRecordSets orders names with their
 * labels reversed (com.example.www), so a name's subtree is one contiguous run starting at the name: the read
 * starts there and stops at the first name outside it, 300 sets a page, with recordSetPages' full cursor, deadline
 * and stall guard. https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
 */
export async function recordSetsUnder(hostedZoneId: string, name: string, options: CallOptions): Promise<ZoneRecordSet[]> {
  const top = canonicalName(name);
  const found: ZoneRecordSet[] = [];
  for await (const page of recordSetPages(hostedZoneId, { name: top }, 300, options)) {
    for (const set of page.sets) {
      if (set.name !== top && !set.name.endsWith(`.${top}`)) return found;
      found.push(set);
    }
  }
  return found;
}

/** One record set by name and type, or undefined. */
export async function recordSet(
  hostedZoneId: string,
  name: string,
  type: RecordType,
  options: CallOptions,
): Promise<RecordSet | undefined> {
  return (await recordSetsAt(hostedZoneId, name, options)).find((s) => s.type === type);
}

/** A record set as the zone holds it (alias sets carry `alias`; routing-policy sets their SetIdentifier). */
export interface ZoneRecordSet extends RecordSet {
  setIdentifier?: string;
}

/**
 * Every record set of the zone, 300 per ListResourceRecordSets page (the SDK has no paginator for it), in the
 * zone's order. Used by the reconciler to find owned records that no state explains.
 */
export async function listAllRecordSets(hostedZoneId: string, options: CallOptions): Promise<ZoneRecordSet[]> {
  return (await scanZone(hostedZoneId, { ...options, maxPages: Infinity })).sets;
}

/**
 * Like listAllRecordSets, but stops after `maxPages` pages: `complete` says whether the whole zone was read. Throws
 * DeadlineExceededError past the deadline and PagingStalledError when a page brings nothing new.
 */
export async function scanZone(
  hostedZoneId: string,
  options: CallOptions & { maxPages: number },
): Promise<{ sets: ZoneRecordSet[]; complete: boolean }> {
  const found: ZoneRecordSet[] = [];
  const seen = new Set<string>();
  let pages = 0;
  for await (const page of recordSetPages(hostedZoneId, {}, 300, options)) {
    pages++;
    let added = 0;
    for (const set of page.sets) {
      // A page starts at the cursor's set; an emulator that restarts a page repeats sets: keep one.
      const key = `${set.name}|${set.type}|${set.setIdentifier ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(set);
      added++;
    }
    if (!page.more) break;
    if (added === 0) throw new PagingStalledError('ListResourceRecordSets');
    if (pages >= options.maxPages) return { sets: found, complete: false };
  }
  return { sets: found, complete: true };
}
