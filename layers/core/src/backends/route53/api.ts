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
import { logger } from '../../observability';
import { errorName, withRetries } from '../../util/retry';
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

function retry<T>(operation: string, fn: () => Promise<T>, options: CallOptions): Promise<T> {
  return withRetries(fn, {
    isRetryable: isRetryableRoute53Error,
    deadline: options.deadline,
    maxAttempts: 10,
    baseDelayMs: 200,
    maxDelayMs: 4000,
    onRetry: (error, attempt, delayMs) =>
      logger.warn('Route 53 call retried', { operation, attempt, delayMs, error: errorName(error) }),
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
    () => {
      calls.change++;
      return route53Client().send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: {
            Comment: options.comment?.slice(0, 256),
            Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toAws(c.set) })),
          },
        }),
      );
    },
    options,
  );
  return out.ChangeInfo?.Id;
}

/** One ListResourceRecordSets page from `start` (the SDK has no paginator for it), retried like every call here. */
function listPage(
  hostedZoneId: string,
  start: { name?: string; type?: RRType; identifier?: string },
  maxItems: number,
  options: CallOptions,
): Promise<ListResourceRecordSetsCommandOutput> {
  return retry(
    'ListResourceRecordSets',
    () => {
      calls.list++;
      return route53Client().send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: start.name,
          StartRecordType: start.type,
          StartRecordIdentifier: start.identifier,
          MaxItems: maxItems,
        }),
      );
    },
    options,
  );
}

/** All record sets at exactly `name`, any type (alias sets with their `alias` target and no values). */
export async function recordSetsAt(hostedZoneId: string, name: string, options: CallOptions): Promise<RecordSet[]> {
  const wanted = canonicalName(name);
  const found: RecordSet[] = [];
  let start: { name?: string; type?: RRType } = { name: wanted };
  for (;;) {
    const out = await listPage(hostedZoneId, start, 20, options);
    let passed = false;
    for (const rs of out.ResourceRecordSets ?? []) {
      if (canonicalName(rs.Name ?? '') !== wanted) {
        passed = true;
        continue;
      }
      found.push(fromAws(rs, wanted));
    }
    if (passed || !out.IsTruncated || !out.NextRecordName) return found;
    start = { name: out.NextRecordName, type: out.NextRecordType };
  }
}

/**
 * Every record set at `name` and below it (any depth, any type). ListResourceRecordSets orders names with their
 * labels reversed (com.example.www), so a name's subtree is one contiguous run starting at the name: the read
 * starts there and stops at the first name outside it, 300 sets a page, carrying the full cursor (name, type and
 * set identifier). https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html
 *
 * @throws Error when the deadline (epoch ms) passes before the read completes, or when Route 53 repeats a cursor
 */
export async function recordSetsUnder(hostedZoneId: string, name: string, options: CallOptions): Promise<ZoneRecordSet[]> {
  const top = canonicalName(name);
  const below = `.${top}`;
  const found: ZoneRecordSet[] = [];
  let start: { name?: string; type?: RRType; identifier?: string } = { name: top };
  const cursors = new Set<string>();
  for (;;) {
    if (Date.now() >= options.deadline) throw new Error(`deadline passed while reading ${top}`);
    const out = await listPage(hostedZoneId, start, 300, options);
    let passed = false;
    for (const rs of out.ResourceRecordSets ?? []) {
      const at = canonicalName(rs.Name ?? '');
      if (at !== top && !at.endsWith(below)) {
        passed = true;
        break;
      }
      const set: ZoneRecordSet = fromAws(rs, at);
      if (rs.SetIdentifier) set.setIdentifier = rs.SetIdentifier;
      found.push(set);
    }
    if (passed || !out.IsTruncated || !out.NextRecordName) return found;
    start = { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier };
    const cursor = `${start.name}|${start.type ?? ''}|${start.identifier ?? ''}`;
    if (cursors.has(cursor)) throw new Error(`ListResourceRecordSets repeated its cursor at ${cursor}`);
    cursors.add(cursor);
  }
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

/** Like listAllRecordSets, but stops after `maxPages` pages: `complete` says whether the whole zone was read. */
export async function scanZone(
  hostedZoneId: string,
  options: CallOptions & { maxPages: number },
): Promise<{ sets: ZoneRecordSet[]; complete: boolean }> {
  const found: ZoneRecordSet[] = [];
  const seen = new Set<string>();
  let start: { name?: string; type?: RRType; identifier?: string } = {};
  for (let page = 1; ; page++) {
    if (page > options.maxPages) return { sets: found, complete: false };
    const out = await listPage(hostedZoneId, start, 300, options);
    let added = 0;
    for (const rs of out.ResourceRecordSets ?? []) {
      const set: ZoneRecordSet = fromAws(rs, canonicalName(rs.Name ?? ''));
      if (rs.SetIdentifier) set.setIdentifier = rs.SetIdentifier;
      // Pages start at the next name+type+identifier; an emulator that restarts a page repeats sets: keep one.
      const key = `${set.name}|${set.type}|${set.setIdentifier ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(set);
      added++;
    }
    if (!out.IsTruncated || !out.NextRecordName || added === 0) return { sets: found, complete: true };
    start = { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier };
  }
}
