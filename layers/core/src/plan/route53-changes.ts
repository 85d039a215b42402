// Pure: diff desired record sets against what Route 53 holds, as external-dns's plan does, with ownership.
//
// Concurrency: Route 53 has no compare-and-swap call, but a change batch is atomic and a DELETE must match the
// current set exactly. So every head change is DELETE(current) + CREATE(desired) in one unit: if another writer
// changed the set since we read it, the DELETE fails and we re-read and re-plan. Per-task A records ride in the
// same unit, and when the heads need no change the unit re-asserts the SRV set (DELETE + CREATE of the same
// values) as a guard, so a per-task write can never land on top of a newer head.
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

export interface TaskRecordChange {
  taskId: string;
  /** the per-task A record the task should have now (absent when it is no longer registered) */
  desired?: RecordSet;
  /** what we believe exists and must go (from state, or re-read after a mismatch) */
  existing?: RecordSet;
}

export interface PlanInput {
  desired: DesiredRecords;
  /** every record set found at the desired.headNames, any type */
  current: RecordSet[];
  touchedTasks: TaskRecordChange[];
  ownerId: string;
  ttl: number;
}

export type PlanResult =
  | { kind: 'changes'; changes: Change[] }
  | { kind: 'in-sync' }
  | { kind: 'conflict'; name: string; reason: string };

const MANAGED_TYPES: RecordType[] = ['SRV', 'A'];

export const ownerTxtValue = (ownerId: string) => `"heritage=ecs-service-discovery,owner=${ownerId}"`;

export function sameSet(a: RecordSet | undefined, b: RecordSet | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ttl === b.ttl && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

export function normaliseSet(set: RecordSet): RecordSet {
  return { ...set, name: canonicalName(set.name), values: [...new Set(set.values)].sort() };
}

export function planServiceChanges(input: PlanInput): PlanResult {
  const ownerValue = ownerTxtValue(input.ownerId);
  const current = input.current.map(normaliseSet);
  const heads = input.desired.heads.map(normaliseSet);
  const at = (sets: RecordSet[], name: string, type: RecordType) => sets.find((s) => s.name === name && s.type === type);

  const claims: Change[] = [];
  const headChanges: Change[] = [];
  const releases: Change[] = [];
  let ownsAny = false;
  for (const name of input.desired.headNames.map(canonicalName)) {
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

  const taskChanges: Change[] = [];
  // Per-task records live under a name we own (or claim now); without one there is nothing of ours to touch.
  for (const task of ownsAny ? input.touchedTasks : []) {
    const desired = task.desired && normaliseSet(task.desired);
    const existing = task.existing && normaliseSet(task.existing);
    if (desired) taskChanges.push({ action: 'UPSERT', set: desired });
    else if (existing) taskChanges.push({ action: 'DELETE', set: existing });
  }

  if (claims.length + headChanges.length + releases.length + taskChanges.length === 0) return { kind: 'in-sync' };
  const guard: Change[] = [];
  if (headChanges.length === 0 && taskChanges.length > 0) {
    const srv = current.find((s) => s.type === 'SRV' && input.desired.headNames.map(canonicalName).includes(s.name));
    if (srv) guard.push({ action: 'DELETE', set: srv }, { action: 'CREATE', set: srv });
  }
  return { kind: 'changes', changes: [...claims, ...headChanges, ...guard, ...taskChanges, ...releases] };
}
