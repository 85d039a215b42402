// What this container last wrote for each service name (its head sets and per-task sets). Every write is a
// compare-and-swap, so a stale entry is harmless: a DELETE no longer matches or a CREATE finds a set, Route 53
// rejects the unit, and the name is read afresh. A warm container therefore plans most changes without a
// ListResourceRecordSets call. An entry is never trusted to say "nothing to do" (another container may have
// written since): that verdict always comes from a fresh read.
import { canonicalName } from '../../parse/dns-name';
import type { Change } from '../../plan/route53-changes';
import type { RecordSet } from '../../plan/records';

const TTL_MS = 5 * 60 * 1000;
const MAX_ENTRIES = 2000;

/** Pure: `before` with `changes` applied (a DELETE removes the set, a CREATE or UPSERT puts it). */
export function applyChangesToSets(before: RecordSet[], changes: Change[]): RecordSet[] {
  const key = (s: RecordSet) => `${canonicalName(s.name)} ${s.type}`;
  const sets = new Map(before.map((s) => [key(s), s]));
  for (const change of changes) {
    if (change.action === 'DELETE') sets.delete(key(change.set));
    else sets.set(key(change.set), { ...change.set, name: canonicalName(change.set.name) });
  }
  return [...sets.values()];
}

/** Record sets by service name, as this container last wrote them; entries expire after five minutes. */
export class KnownRecordSets {
  private readonly entries = new Map<string, { sets: RecordSet[]; expires: number }>();

  /** The sets last written for `serviceName`, or undefined when unknown or expired. */
  get(serviceName: string): RecordSet[] | undefined {
    const entry = this.entries.get(serviceName);
    return entry && entry.expires >= Date.now() ? entry.sets : undefined;
  }

  remember(serviceName: string, sets: RecordSet[]): void {
    this.entries.delete(serviceName);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(serviceName, { sets, expires: Date.now() + TTL_MS });
  }

  forget(serviceName: string): void {
    this.entries.delete(serviceName);
  }

  clear(): void {
    this.entries.clear();
  }
}
