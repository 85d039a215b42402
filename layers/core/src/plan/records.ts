// Pure: the record sets that should exist for one service name, given the tasks registered under it.
//
//   plain:    SRV  <name>.<zone>             one value per endpoint: "1 1 <port> <task-id>.<name>.<zone>."
//   rfc2782:  SRV  _<name>._<proto>.<zone>
//   both:     A    <task-id>.<name>.<zone>    the task's IPv4 address (the SRV target)
//             AAAA <task-id>.<name>.<zone>    the task's IPv6 address, when it has one (dual-stack or IPv6-only)
//             A    <name>.<zone>              awsvpc task IPv4s (bridge/host tasks share a host IP, so they need
//             AAAA <name>.<zone>              SRV; HostAddressRecords=true adds their hosts' addresses too)
import type { Endpoint } from '../resolve/endpoints';
import { fqdn, headNamesFor, srvRecordName, taskRecordName } from '../naming/names';

// The name builders live in naming/names.ts (composed and checked in one place); re-exported for existing importers.
export { fqdn, headNamesFor, srvRecordName, taskRecordName };

export type RecordType = 'A' | 'AAAA' | 'SRV' | 'TXT' | 'CNAME';

export interface AliasTarget {
  /** the hosted zone of the alias target (a load balancer's CanonicalHostedZoneId / CanonicalHostedZoneNameID) */
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

export interface RecordSet {
  /** fully qualified, lower case, trailing dot */
  name: string;
  type: RecordType;
  /** ignored for alias record sets (Route 53 uses the target's TTL) */
  ttl: number;
  /** sorted, unique; empty for alias record sets */
  values: string[];
  /** set for alias record sets only (written by the LB registrar) */
  alias?: AliasTarget;
}

export interface Member {
  taskId: string;
  endpoints: Endpoint[];
}

export interface NamingOptions {
  zoneName: string;
  srvNameFormat: 'plain' | 'rfc2782';
  ttl: number;
  /** also publish bridge/host tasks' host addresses in the service-level A/AAAA sets (default false) */
  hostAddressRecords?: boolean;
}

/** Route 53 allows 400 values per set; a set must also fit twice (DELETE + CREATE) in one 32,000-char request. */
export const MAX_VALUES_PER_SET = 400;
export const MAX_CHARS_PER_SET = 15000;

export interface DesiredRecords {
  serviceName: string;
  /** every name that can carry a head record set for this service, desired or not (read before planning) */
  headNames: string[];
  /** `<name>.<zone>.`: the per-task names `<task-id>.<name>.<zone>.` sit directly below it */
  serviceHead: string;
  heads: RecordSet[];
  /** per-task A/AAAA sets of the published tasks, by task id */
  taskRecords: Map<string, RecordSet[]>;
  /** task ids published in every set of the name (SRV, A, AAAA, per-task records), in task-id order */
  published: string[];
  /** members with endpoints for the name that are left out to stay within Route 53's limits */
  unpublished: string[];
  /** why members were left out: a record set's limits, or the request limit the backend passed as maxTasks */
  limitedBy?: 'record-set' | 'request';
}

/** The task's per-task record name and its addresses (one task has one IPv4 and at most one IPv6 address). */
function taskAddresses(endpoints: Endpoint[]): { ipv4?: string; ipv6?: string } {
  return { ipv4: endpoints.find((e) => e.ip)?.ip, ipv6: endpoints.find((e) => e.ipv6)?.ipv6 };
}

/** What one member adds to the head sets of a name (values per set name and type). */
interface Contribution {
  taskId: string;
  /** `<name> <type>` -> values */
  values: Map<string, { name: string; type: RecordType; values: string[] }>;
  taskRecords: RecordSet[];
}

function contribution(serviceName: string, member: Member, options: NamingOptions): Contribution | undefined {
  const endpoints = member.endpoints.filter((e) => e.name === serviceName && (e.ip || e.ipv6));
  if (endpoints.length === 0) return undefined;
  const target = taskRecordName(member.taskId, serviceName, options.zoneName);
  const values: Contribution['values'] = new Map();
  const add = (name: string, type: RecordType, value: string) => {
    const key = `${name} ${type}`;
    const entry = values.get(key) ?? values.set(key, { name, type, values: [] }).get(key)!;
    if (!entry.values.includes(value)) entry.values.push(value);
  };
  const head = fqdn(serviceName, options.zoneName);
  for (const endpoint of endpoints) {
    add(srvRecordName(serviceName, endpoint.protocol, options), 'SRV', `1 1 ${endpoint.port} ${target}`);
    // Service-level addresses: awsvpc task IPs; host addresses of bridge/host tasks only when asked for (they
    // carry no port, so clients that cannot read SRV must know the port another way).
    if (endpoint.awsvpc || options.hostAddressRecords) {
      if (endpoint.ip) add(head, 'A', endpoint.ip);
      if (endpoint.ipv6) add(head, 'AAAA', endpoint.ipv6);
    }
  }
  const { ipv4, ipv6 } = taskAddresses(endpoints);
  const taskRecords: RecordSet[] = [];
  if (ipv4) taskRecords.push({ name: target, type: 'A', ttl: options.ttl, values: [ipv4] });
  if (ipv6) taskRecords.push({ name: target, type: 'AAAA', ttl: options.ttl, values: [ipv6] });
  return { taskId: member.taskId, values, taskRecords };
}

/**
 * Pure: the record sets that should exist for one service name.
 *
 * The published subset is decided here, once, for every set of the name: members are taken in order - the tasks
 * already published first, then the others, each group in task-id order - while every head set stays within
 * Route 53's 400 values per record set and MAX_CHARS_PER_SET characters (so a DELETE + CREATE of the set fits one
 * request), and at most `maxTasks` (the backend lowers it when the whole atomic unit would not fit one request).
 * Published tasks first keeps the subset stable: a name at its limits is in sync with itself, and a name that had
 * to publish fewer tasks for one large change grows back on its next syncs instead of swapping tasks in and out.
 * A task is either published everywhere (SRV, service A/AAAA, its per-task A/AAAA) or nowhere.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
 *
 * @param members registered members of the name (endpoints of other names are ignored)
 * @param maxTasks upper bound on published tasks (default: no bound beyond the per-set limits)
 * @param publishedNow task ids the name publishes now (they keep their place ahead of new members)
 */
export function desiredRecords(
  serviceName: string,
  members: Member[],
  options: NamingOptions,
  maxTasks = Number.POSITIVE_INFINITY,
  publishedNow: ReadonlySet<string> = new Set(),
): DesiredRecords {
  const byId = (a: Member, b: Member) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);
  const ordered = [
    ...members.filter((m) => publishedNow.has(m.taskId)).sort(byId),
    ...members.filter((m) => !publishedNow.has(m.taskId)).sort(byId),
  ];
  const sets = new Map<string, { name: string; type: RecordType; values: string[]; chars: number }>();
  const taskRecords = new Map<string, RecordSet[]>();
  const published: string[] = [];
  const unpublished: string[] = [];
  let limitedBy: DesiredRecords['limitedBy'];
  for (const member of ordered) {
    const c = contribution(serviceName, member, options);
    if (!c) continue;
    if (limitedBy) {
      unpublished.push(member.taskId);
      continue;
    }
    const fits = [...c.values].every(([key, add]) => {
      const set = sets.get(key);
      const fresh = add.values.filter((v) => !set?.values.includes(v));
      const count = (set?.values.length ?? 0) + fresh.length;
      const chars = (set?.chars ?? 0) + fresh.reduce((n, v) => n + v.length, 0);
      return count <= MAX_VALUES_PER_SET && chars <= MAX_CHARS_PER_SET;
    });
    if (!fits || published.length >= maxTasks) {
      limitedBy = fits ? 'request' : 'record-set';
      unpublished.push(member.taskId);
      continue;
    }
    for (const [key, add] of c.values) {
      const set = sets.get(key) ?? sets.set(key, { name: add.name, type: add.type, values: [], chars: 0 }).get(key)!;
      for (const v of add.values) {
        if (set.values.includes(v)) continue;
        set.values.push(v);
        set.chars += v.length;
      }
    }
    taskRecords.set(member.taskId, c.taskRecords);
    published.push(member.taskId);
  }
  const heads = [...sets.values()]
    .map(({ name, type, values }) => ({ name, type, ttl: options.ttl, values: [...values].sort() }))
    .sort((a, b) => (a.name === b.name ? HEAD_ORDER[a.type] - HEAD_ORDER[b.type] : a.name < b.name ? -1 : 1));
  return {
    serviceName,
    headNames: headNamesFor(serviceName, options),
    serviceHead: fqdn(serviceName, options.zoneName),
    heads,
    taskRecords,
    published,
    unpublished,
    limitedBy,
  };
}

const HEAD_ORDER: Record<RecordType, number> = { SRV: 0, A: 1, AAAA: 2, TXT: 3, CNAME: 4 };
