// Pure: which service names' records differ from what the state table says, found by comparing a scan of the
// whole zone with the registered members of each name. The result only nominates names for a sync: the backend
// re-reads records and members itself before changing anything, so a stale scan can cost a no-op sync but can
// never delete a live record.
//
// What counts as ours (nothing else is ever nominated):
//   - a head name carrying the TXT value `"heritage=ecs-service-discovery,owner=<OwnerId>"` (ownerTxtValue);
//     the service name is the head's relative name, or <name> for the RFC 2782 form _<name>._<proto>;
//   - per-task A records `<task-id>.<service>.<zone>` under such a service, whose first label is an ECS task ID.
import { canonicalName, relativeServiceName } from '../naming/names';
import { desiredRecords, type Member, type NamingOptions, type RecordSet, type RecordType } from '../plan/records';
import { normaliseSet, ownerTxtValue, sameSet } from '../plan/route53-changes';
import type { TouchedTask } from '../backends/backend';

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

/** ECS task IDs: 32 hex digits, or a UUID (older ARN format and emulators). */
const TASK_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const looksLikeTaskId = (label: string) => TASK_ID.test(label);

const MANAGED: RecordType[] = ['SRV', 'A'];

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
  const simple = input.zone.filter((s) => !s.alias && !s.setIdentifier).map(normaliseSet);
  const byName = new Map<string, RecordSet[]>();
  for (const set of simple) (byName.get(set.name) ?? byName.set(set.name, []).get(set.name)!).push(set);
  const at = (name: string, type: RecordType) => byName.get(name)?.find((s) => s.type === type);
  const ownsName = (name: string) => at(name, 'TXT')?.values.includes(ownerValue) ?? false;

  const owned = new Set<string>();
  for (const set of simple) {
    if (set.type !== 'TXT' || !set.values.includes(ownerValue)) continue;
    const service = serviceNameOfHead(set.name, naming.zoneName);
    if (service) owned.add(service);
  }
  // per-task A records under owned services, by service
  const suffix = `.${naming.zoneName.toLowerCase()}.`;
  const taskSets = new Map<string, Map<string, RecordSet>>();
  for (const set of simple) {
    if (set.type !== 'A' || !set.name.endsWith(suffix)) continue;
    const relative = set.name.slice(0, -suffix.length);
    const dot = relative.indexOf('.');
    if (dot < 0) continue;
    const [label, service] = [relative.slice(0, dot), relative.slice(dot + 1)];
    if (!owned.has(service) || !looksLikeTaskId(label)) continue;
    (taskSets.get(service) ?? taskSets.set(service, new Map()).get(service)!).set(label, set);
  }

  const candidates = new Set([...owned, ...[...input.members].filter(([, m]) => m.length > 0).map(([n]) => n)]);
  const drifts: NameDrift[] = [];
  for (const serviceName of [...candidates].sort()) {
    if (input.exclude?.has(serviceName)) continue;
    const members = input.members.get(serviceName) ?? [];
    const desired = desiredRecords(serviceName, members, naming);
    const kinds = new Set<DriftKind>();
    const details: string[] = [];
    const touchedTasks: TouchedTask[] = [];
    const hasMembers = desired.heads.length > 0;

    for (const head of desired.headNames.map(canonicalName)) {
      const wantsAny = desired.heads.some((h) => canonicalName(h.name) === head);
      for (const type of MANAGED) {
        const want = desired.heads.find((h) => canonicalName(h.name) === head && h.type === type);
        const have = at(head, type);
        if (sameSet(have, want && normaliseSet(want))) continue;
        if (!want && !ownsName(head)) continue; // a foreign record at one of our names: never ours to remove
        kinds.add(hasMembers ? 'MissingRecords' : 'OrphanRecords');
        details.push(`${type} ${head}`);
      }
      if (wantsAny !== ownsName(head)) {
        kinds.add(hasMembers ? 'MissingRecords' : 'OrphanRecords');
        details.push(`TXT ${head}`);
      }
    }
    for (const [taskId, want] of desired.taskRecords) {
      if (sameSet(taskSets.get(serviceName)?.get(taskId), normaliseSet(want))) continue;
      kinds.add('MissingRecords');
      details.push(`A ${want.name}`);
      touchedTasks.push({ taskId });
    }
    for (const [taskId, have] of taskSets.get(serviceName) ?? []) {
      if (desired.taskRecords.has(taskId)) continue;
      kinds.add('OrphanRecords');
      details.push(`A ${have.name}`);
      touchedTasks.push({ taskId, previousIp: have.values[0] });
    }
    if (kinds.size > 0) drifts.push({ serviceName, kinds: [...kinds].sort(), touchedTasks, details });
  }
  return drifts;
}
