// Pure: Route 53's per-request limits and the packing of atomic units into as few requests as they allow.
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
import type { Change } from '../../plan/route53-changes';

export const MAX_RECORDS_PER_REQUEST = 1000;
export const MAX_VALUE_CHARS_PER_REQUEST = 32000;

export interface Unit {
  /** the service name the unit belongs to: outcomes are reported per key */
  key: string;
  changes: Change[];
}

export interface Cost {
  records: number;
  chars: number;
}

export function changeCost(change: Change): Cost {
  const weight = change.action === 'UPSERT' ? 2 : 1; // UPSERT counts twice toward both limits
  const chars = change.set.values.reduce((n, v) => n + v.length, 0);
  const records = change.set.alias ? 1 : change.set.values.length; // an alias set counts as one record
  return { records: records * weight, chars: chars * weight };
}

export function unitCost(changes: Change[]): Cost {
  return changes.map(changeCost).reduce((a, b) => ({ records: a.records + b.records, chars: a.chars + b.chars }), {
    records: 0,
    chars: 0,
  });
}

/** Whether changes fit one ChangeResourceRecordSets request (1,000 values, 32,000 value characters). */
export const fitsOneRequest = (changes: Change[]): boolean => fits(unitCost(changes));

const fits = (c: Cost) => c.records <= MAX_RECORDS_PER_REQUEST && c.chars <= MAX_VALUE_CHARS_PER_REQUEST;

export interface PackedUnits {
  /** requests to send, in order; each holds whole units */
  batches: Unit[][];
  /** units that alone exceed one request: never split (that would break their atomicity), never sent */
  oversized: Unit[];
}

/**
 * Greedy, order-preserving packing of whole units into requests within both limits. A unit is atomic (a
 * compare-and-swap), so it is never split across requests; the planner keeps each unit within one request by
 * shrinking the published subset (plan/records.ts desiredRecords maxTasks), and a unit that still does not fit is
 * returned in `oversized`.
 */
export function packUnits(units: Unit[]): PackedUnits {
  const batches: Unit[][] = [];
  const oversized: Unit[] = [];
  let batch: Unit[] = [];
  let cost: Cost = { records: 0, chars: 0 };
  for (const unit of units) {
    const c = unitCost(unit.changes);
    if (!fits(c)) {
      oversized.push(unit);
      continue;
    }
    const next = { records: cost.records + c.records, chars: cost.chars + c.chars };
    if (batch.length > 0 && !fits(next)) {
      batches.push(batch);
      batch = [];
      cost = { records: 0, chars: 0 };
    }
    batch.push(unit);
    cost = { records: cost.records + c.records, chars: cost.chars + c.chars };
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, oversized };
}
