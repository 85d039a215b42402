// Pure: which service names' records differ from what the state table says, found by running the backend's own
// plan (backends/route53/backend.ts planWithinOneRequest: one definition of "what a name should hold") over a scan
// of the whole zone and the registered members of each name. The result only nominates names for a sync: the
// backend re-reads records and members itself before changing anything, so a stale scan can cost a no-op sync but
// can never delete a live record.
//
// What counts as ours (nothing else is ever nominated):
//   - a head name carrying the TXT value `"heritage=ecs-service-discovery,owner=<OwnerId>"` (ownerTxtValue);
//     the service name is the head's relative name, or <name> for the RFC 2782 form _<name>._<proto>;
//   - per-task A records `<task-id>.<service>.<zone>` under such a service, whose first label is an ECS task ID.
import { canonicalName, fqdn, headNamesFor, relativeServiceName } from '../naming/names';
import { type Member, type NamingOptions, type RecordSet } from '../plan/records';
import { looksLikeTaskId, ownerTxtValue, type Change } from '../plan/route53-changes';
import type { TouchedTask } from '../backends/backend';
import { planWithinOneRequest } from '../backends/route53/backend';

export type DriftKind = 'MissedStart' | 'MissedStop' | 'MissingRecords' | 'OrphanRecords';

export interface ZoneSet extends RecordSet {
  setIdentifier?: string;
}

export interface NameDrift {
  serviceName: string;
  kinds: DriftKind[];
  touchedTasks: TouchedTask[];
  /** short notes for the log: which sets differ */
  details: string[];
}

export interface ZoneDriftInput {
  zone: ZoneSet[];
  members: Map<string, Member[]>;
  naming: NamingOptions;
  ownerId: string;
  /** names already synced this run */
  exclude?: Set<string>;
}

/**
 * The service a head name belongs to, or undefined when the name is not one we could have written: the inverse of
 * naming/names headNamesFor (`<service>.<zone>.`, `_<service>._tcp|udp.<zone>.`, service names of several labels too).
 */
export function serviceNameOfHead(name: string, zoneName: string): string | undefined {
  const suffix = `.${zoneName.toLowerCase()}.`;
  const canonical = canonicalName(name);
  if (!canonical.endsWith(suffix)) return undefined;
  const relative = canonical.slice(0, -suffix.length);
  const rfc = /^_(.+)\._(?:tcp|udp)$/.exec(relative);
  const candidate = rfc ? rfc[1] : relative;
  const checked = relativeServiceName(candidate, zoneName.toLowerCase());
  return checked.ok && checked.value === candidate ? candidate : undefined;
}

export function findZoneDrift(input: ZoneDriftInput): NameDrift[] {
  const { naming, ownerId } = input;
  const ownerValue = ownerTxtValue(ownerId);
  const sets = input.zone.map((s) => ({ ...s, name: canonicalName(s.name) }));
  const owned = new Set<string>();
  for (const set of sets) {
    if (set.type !== 'TXT' || !set.values.includes(ownerValue)) continue;
    const service = serviceNameOfHead(set.name, naming.zoneName);
    if (service) owned.add(service);
  }
  const candidates = new Set([...owned, ...[...input.members].filter(([, m]) => m.length > 0).map(([n]) => n)]);
  const drifts: NameDrift[] = [];
  for (const serviceName of [...candidates].sort()) {
    if (input.exclude?.has(serviceName)) continue;
    const members = input.members.get(serviceName) ?? [];
    const top = canonicalName(fqdn(serviceName, naming.zoneName));
    const heads = new Set(headNamesFor(serviceName, naming).map(canonicalName));
    const current = sets.filter((s) => heads.has(s.name) || s.name.endsWith(`.${top}`));
    const { plan } = planWithinOneRequest({ serviceName, touchedTasks: [] }, members, current, { ...naming, ownerId });
    if (plan.kind === 'conflict') {
      // Nominated so the sync reports the conflict (it never overwrites); a conflict is never counted as a repair.
      drifts.push({ serviceName, kinds: ['MissingRecords'], touchedTasks: [], details: [plan.reason] });
      continue;
    }
    if (plan.kind !== 'changes') continue;
    const real = realChanges(plan.changes);
    if (real.length === 0) continue;
    const memberIds = new Set(members.map((m) => m.taskId));
    const kinds = new Set<DriftKind>();
    const touched = new Map<string, TouchedTask>();
    for (const change of real) {
      const label = change.set.name.slice(0, -`.${top}`.length);
      const perTask = change.set.name.endsWith(`.${top}`) && looksLikeTaskId(label);
      if (perTask) touched.set(label, { taskId: label });
      const orphan = members.length === 0 || (perTask && !memberIds.has(label) && change.action === 'DELETE');
      kinds.add(orphan ? 'OrphanRecords' : 'MissingRecords');
    }
    drifts.push({
      serviceName,
      kinds: [...kinds].sort(),
      touchedTasks: [...touched.values()],
      details: real.map((c) => `${c.action} ${c.set.type} ${c.set.name}`),
    });
  }
  return drifts;
}

/** The changes less the guard (DELETE + CREATE of the same unchanged set), which repairs nothing by itself. */
function realChanges(changes: Change[]): Change[] {
  const key = (c: Change) => `${c.set.name} ${c.set.type} ${c.set.ttl} ${[...c.set.values].sort().join(',')}`;
  const deleted = new Set(changes.filter((c) => c.action === 'DELETE').map(key));
  const created = new Set(changes.filter((c) => c.action === 'CREATE').map(key));
  return changes.filter((c) => !(deleted.has(key(c)) && created.has(key(c))));
}
