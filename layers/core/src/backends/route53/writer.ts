// Sends planned units in as few ChangeResourceRecordSets calls as the limits allow. A request is atomic, so when
// Route 53 rejects one, the request is bisected until the bad unit is isolated and the good ones still land.
import { logger } from '../../observability';
import { errorName } from '../../util/retry';
import { canonicalName } from '../../parse/dns-name';
import { changeRecordSets } from './api';
import { packUnits, type Unit } from './limits';

export type UnitOutcome =
  | { status: 'applied' }
  /** a DELETE did not match or a CREATE found a set: someone changed the name since we read it */
  | { status: 'stale'; reason: string }
  | { status: 'invalid'; reason: string }
  | { status: 'retry'; reason: string };

// Route 53's wording for a compare that failed: the name changed since we read it. A "conflicting RRSet" (someone
// put a CNAME, or another type that excludes ours, at the name) is a change since our read too: a fresh read then
// shows the foreign records and the planner reports an ownership conflict. Anything else is invalid input.
const STALE_PATTERNS = [
  /but it already exists/i,
  /values provided do not match/i,
  /but it was not found/i,
  /conflicting RRSet/i,
];

export function classifyRejection(
  error: unknown,
): Extract<UnitOutcome, { status: 'stale' | 'invalid' }> | undefined {
  const name = errorName(error);
  // Route 53 may answer with a bare <InvalidChangeBatch><Messages> document, which the JS SDK cannot name: it
  // surfaces as "Unknown" with the messages in err.Messages.Message (a string or a list).
  const bare = (error as { Messages?: { Message?: string | string[] } })?.Messages?.Message;
  const message = bare !== undefined ? [bare].flat().join('; ') : ((error as Error)?.message ?? '');
  if (name === 'InvalidChangeBatch' || name === 'InvalidInput' || (name === 'Unknown' && bare !== undefined)) {
    return STALE_PATTERNS.some((p) => p.test(message))
      ? { status: 'stale', reason: message }
      : { status: 'invalid', reason: message };
  }
  return undefined;
}

async function sendBatch(
  hostedZoneId: string,
  units: Unit[],
  deadline: number,
  outcomes: Map<Unit, UnitOutcome>,
): Promise<void> {
  // Checked before every request, bisection halves included: units not sent in time are retried by redelivery.
  if (Date.now() >= deadline) {
    for (const unit of units) outcomes.set(unit, { status: 'retry', reason: 'invocation deadline reached before sending' });
    return;
  }
  try {
    await changeRecordSets(
      hostedZoneId,
      units.flatMap((u) => u.changes),
      { deadline, comment: `ecs-service-discovery: ${[...new Set(units.map((u) => u.key))].join(', ')}` },
    );
    for (const unit of units) outcomes.set(unit, { status: 'applied' });
  } catch (error) {
    const rejection = classifyRejection(error);
    if (!rejection) {
      const reason = `${errorName(error) ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
      for (const unit of units) outcomes.set(unit, { status: 'retry', reason });
      return;
    }
    if (units.length === 1) {
      outcomes.set(units[0], rejection);
      return;
    }
    if (rejection.status === 'stale') {
      // A failed compare names the record sets that changed: those units are re-read and re-planned by the caller,
      // the others go out again at once. No bisection: halving a batch of stale plans costs a rejected call per half.
      const named = new Set([...rejection.reason.matchAll(/name='([^']+)'/g)].map((m) => canonicalName(m[1])));
      const touches = (unit: Unit) => unit.changes.some((c) => named.has(canonicalName(c.set.name)));
      const stale = units.filter(touches);
      if (stale.length === 0 || stale.length === units.length) {
        for (const unit of units) outcomes.set(unit, rejection);
        return;
      }
      for (const unit of stale) outcomes.set(unit, rejection);
      await sendBatch(hostedZoneId, units.filter((u) => !touches(u)), deadline, outcomes);
      return;
    }
    logger.info('Route 53 rejected a batch; bisecting to isolate the rejected change', {
      units: units.length,
      reason: rejection.reason,
    });
    const middle = Math.ceil(units.length / 2);
    await sendBatch(hostedZoneId, units.slice(0, middle), deadline, outcomes);
    await sendBatch(hostedZoneId, units.slice(middle), deadline, outcomes);
  }
}

/** Applies units in order; returns one outcome per unit key (the worst outcome of the key's parts). */
export async function applyUnits(
  hostedZoneId: string,
  units: Unit[],
  deadline: number,
): Promise<Map<string, UnitOutcome>> {
  const outcomes = new Map<Unit, UnitOutcome>();
  // Requests go out one after another: concurrent writers to one zone only earn PriorRequestNotComplete.
  const { batches, oversized } = packUnits(units);
  for (const unit of oversized) {
    outcomes.set(unit, { status: 'invalid', reason: 'the atomic change unit exceeds one Route 53 request' });
  }
  for (const batch of batches) await sendBatch(hostedZoneId, batch, deadline, outcomes);
  const rank = { applied: 0, stale: 1, retry: 2, invalid: 3 } as const;
  const byKey = new Map<string, UnitOutcome>();
  for (const [unit, outcome] of outcomes) {
    const seen = byKey.get(unit.key);
    if (!seen || rank[outcome.status] > rank[seen.status]) byKey.set(unit.key, outcome);
  }
  return byKey;
}
