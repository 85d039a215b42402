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

const fits = (c: Cost) => c.records <= MAX_RECORDS_PER_REQUEST && c.chars <= MAX_VALUE_CHARS_PER_REQUEST;

/**
 * A unit too large for one request is split, keeping DELETE+CREATE pairs of one record set together and the order
 * (ownership claim first, release last). Atomicity across the parts is lost; that only happens for services with
 * hundreds of tasks changing at once, and the next sync round repairs any interleaving.
 */
export function splitOversizedUnit(unit: Unit): Unit[] {
  if (fits(unitCost(unit.changes))) return [unit];
  const groups: Change[][] = [];
  for (const change of unit.changes) {
    const last = groups[groups.length - 1];
    const pairsWithLast =
      last?.length === 1 && last[0].action === 'DELETE' && change.action === 'CREATE' &&
      last[0].set.name === change.set.name && last[0].set.type === change.set.type;
    if (pairsWithLast) last.push(change);
    else groups.push([change]);
  }
  const parts: Unit[] = [];
  let current: Change[] = [];
  for (const group of groups) {
    if (current.length > 0 && !fits(unitCost([...current, ...group]))) {
      parts.push({ key: unit.key, changes: current });
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) parts.push({ key: unit.key, changes: current });
  return parts;
}

/** Greedy, order-preserving packing of units into requests within both limits. */
export function packUnits(units: Unit[]): Unit[][] {
  const batches: Unit[][] = [];
  let batch: Unit[] = [];
  let cost: Cost = { records: 0, chars: 0 };
  for (const unit of units.flatMap(splitOversizedUnit)) {
    const c = unitCost(unit.changes);
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
  return batches;
}
