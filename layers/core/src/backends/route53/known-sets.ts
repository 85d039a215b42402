// What this container last wrote to each head name. Every write is a compare-and-swap, so a stale entry is
// harmless: the DELETE no longer matches, Route 53 rejects the unit, and the name is read afresh. A warm
// container therefore plans most changes without a ListResourceRecordSets call. An entry is never trusted to
// say "nothing to do" (another container may have written since): that verdict always comes from a fresh read.
import { canonicalName } from '../../parse/dns-name';
import type { Change } from '../../plan/route53-changes';
import type { RecordSet } from '../../plan/records';

const TTL_MS = 5 * 60 * 1000;
const MAX_NAMES = 2000;

/** Pure: the record sets at `names` after `changes` are applied to `before`. */
export function applyChangesToSets(before: RecordSet[], changes: Change[], names: string[]): RecordSet[] {
  const wanted = new Set(names.map(canonicalName));
  const key = (s: RecordSet) => `${canonicalName(s.name)} ${s.type}`;
  const sets = new Map(before.map((s) => [key(s), s]));
  for (const change of changes) {
    if (!wanted.has(canonicalName(change.set.name))) continue;
    if (change.action === 'DELETE') sets.delete(key(change.set));
    else sets.set(key(change.set), { ...change.set, name: canonicalName(change.set.name) });
  }
  return [...sets.values()];
}

export class KnownRecordSets {
  private readonly entries = new Map<string, { sets: RecordSet[]; expires: number }>();

  /** The sets at all `names`, or undefined unless every name is known and fresh. */
  get(names: string[]): RecordSet[] | undefined {
    const now = Date.now();
    const found: RecordSet[] = [];
    for (const name of names.map(canonicalName)) {
      const entry = this.entries.get(name);
      if (!entry || entry.expires < now) return undefined;
      found.push(...entry.sets);
    }
    return found;
  }

  remember(names: string[], sets: RecordSet[]): void {
    for (const name of names.map(canonicalName)) {
      this.entries.delete(name);
      if (this.entries.size >= MAX_NAMES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(name, { sets: sets.filter((s) => canonicalName(s.name) === name), expires: Date.now() + TTL_MS });
    }
  }

  forget(names: string[]): void {
    for (const name of names) this.entries.delete(canonicalName(name));
  }
}
