// Pure: diff desired record sets against what Route 53 holds, as external-dns's plan does, with ownership.
//
// Concurrency: Route 53 has no compare-and-swap call, but a change batch is atomic, a DELETE must match the
// current set exactly and a CREATE fails on an existing set. So every change is DELETE(current) and/or
// CREATE(desired) in one unit: if another writer changed a set since we read it, the unit fails and we re-read
// and re-plan. Per-task A/AAAA records ride in the same unit, and when the heads need no change the unit
// re-asserts the SRV set (DELETE + CREATE of the same values) as a guard, so a per-task write can never land on
// top of a newer head. Only real differences become changes: an in-sync name plans nothing (no UPSERT ever).
//
// Ownership: every head name we manage carries a TXT record `"heritage=ecs-service-discovery,owner=<id>"`, created
// with the first record and deleted with the last. A head name with records but without our TXT is foreign: it
// is reported as a conflict and never touched.
import { canonicalName } from '../parse/dns-name';
import type { DesiredRecords, RecordSet, RecordType } from './records';

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export interface Change {
  action: ChangeAction;
  set: RecordSet;
}

export interface PlanInput {
  desired: DesiredRecords;
  /**
   * every record set found at the desired.headNames and directly below `<name>.<zone>` (per-task names), any
   * type: the read must cover both, or per-task records are seen as missing
   */
  current: RecordSet[];
  /** task ids whose per-task records may exist although their label does not look like an ECS task id */
  knownTaskIds?: string[];
  ownerId: string;
  ttl: number;
}

export type PlanResult =
  | { kind: 'changes'; changes: Change[] }
  | { kind: 'in-sync' }
  | { kind: 'conflict'; name: string; reason: string };

const MANAGED_TYPES: RecordType[] = ['SRV', 'A', 'AAAA'];
const TASK_TYPES: RecordType[] = ['A', 'AAAA'];

export const ownerTxtValue = (ownerId: string) => `"heritage=ecs-service-discovery,owner=${ownerId}"`;

export function sameSet(a: RecordSet | undefined, b: RecordSet | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ttl === b.ttl && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

export function normaliseSet(set: RecordSet): RecordSet {
  return { ...set, name: canonicalName(set.name), values: [...new Set(set.values)].sort() };
}

/** ECS task IDs: 32 hex digits, or a UUID (older ARN format and emulators). */
const TASK_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const looksLikeTaskId = (label: string) => TASK_ID.test(label);

/**
 * The per-task record sets among `current`: A/AAAA sets at `<label>.<service>.<zone>.` (one label below the
 * service name) whose label is a task id (or a known one), at a name that carries no ownership TXT of its own (that
 * would be another service's head, e.g. a service named `<label>.<service>`).
 */
export function perTaskSets(current: RecordSet[], serviceHead: string, knownTaskIds: Iterable<string> = []): RecordSet[] {
  const suffix = `.${canonicalName(serviceHead)}`;
  const known = new Set(knownTaskIds);
  const heads = new Set(current.filter((s) => s.type === 'TXT').map((s) => canonicalName(s.name)));
  return current.filter((s) => {
    const name = canonicalName(s.name);
    if (!TASK_TYPES.includes(s.type) || !name.endsWith(suffix) || heads.has(name)) return false;
    // Alias and routing-policy sets (weighted, multivalue) are never ours: we write neither.
    if (s.alias || (s as { setIdentifier?: string }).setIdentifier) return false;
    const label = name.slice(0, -suffix.length);
    return !label.includes('.') && (looksLikeTaskId(label) || known.has(label));
  });
}

export function planServiceChanges(input: PlanInput): PlanResult {
  const ownerValue = ownerTxtValue(input.ownerId);
  const current = input.current.map(normaliseSet);
  const heads = input.desired.heads.map(normaliseSet);
  const headNames = input.desired.headNames.map(canonicalName);
  const at = (sets: RecordSet[], name: string, type: RecordType) => sets.find((s) => s.name === name && s.type === type);

  const claims: Change[] = [];
  const headChanges: Change[] = [];
  const releases: Change[] = [];
  let ownsAny = false;
  for (const name of headNames) {
    const here = current.filter((s) => s.name === name);
    const txt = at(here, name, 'TXT');
    const ours = txt?.values.includes(ownerValue) ?? false;
    if (!ours && here.length > 0) {
      // Someone else's records at a name we do not need (e.g. an LB CNAME at <name> while rfc2782 SRV records live
      // at _<name>._tcp): leave it alone, no conflict.
      if (!heads.some((h) => h.name === name)) continue;
      const found = here.map((s) => s.type).join(', ');
      return { kind: 'conflict', name, reason: `${name} holds ${found} not owned by ${input.ownerId}` };
    }
    if (ours) ownsAny = true;
    let keeps = false;
    for (const type of MANAGED_TYPES) {
      const before = at(here, name, type);
      const after = at(heads, name, type);
      if (after) keeps = true;
      if (sameSet(before, after)) continue;
      if (before) headChanges.push({ action: 'DELETE', set: before });
      if (after) headChanges.push({ action: 'CREATE', set: after });
    }
    if (keeps) ownsAny = true;
    if (keeps && !ours) {
      claims.push({ action: 'CREATE', set: { name, type: 'TXT', ttl: input.ttl, values: [ownerValue] } });
    }
    if (!keeps && ours && txt) releases.push({ action: 'DELETE', set: txt });
  }

  // Per-task records live under a name we own (or claim now); without one there is nothing of ours to touch.
  const taskChanges: Change[] = [];
  if (ownsAny) {
    const serviceHead = input.desired.serviceHead;
    const wanted = [...input.desired.taskRecords.values()].flat().map(normaliseSet);
    const known = [...input.desired.taskRecords.keys(), ...(input.knownTaskIds ?? [])];
    const existing = perTaskSets(current, serviceHead, known);
    for (const set of existing) {
      const want = at(wanted, set.name, set.type);
      if (!sameSet(set, want)) taskChanges.push({ action: 'DELETE', set });
    }
    for (const set of wanted) {
      if (!sameSet(at(existing, set.name, set.type), set)) taskChanges.push({ action: 'CREATE', set });
    }
  }

  if (claims.length + headChanges.length + releases.length + taskChanges.length === 0) return { kind: 'in-sync' };
  const guard: Change[] = [];
  if (headChanges.length === 0 && taskChanges.length > 0) {
    const srv = current.find((s) => s.type === 'SRV' && headNames.includes(s.name));
    if (srv) guard.push({ action: 'DELETE', set: srv }, { action: 'CREATE', set: srv });
  }
  return { kind: 'changes', changes: [...claims, ...headChanges, ...guard, ...taskChanges, ...releases] };
}
