// Pure: the record sets that should exist for one service name, given the tasks registered under it.
//
//   plain:    SRV  <name>.<zone>             one value per endpoint: "1 1 <port> <task-id>.<name>.<zone>."
//   rfc2782:  SRV  _<name>._<proto>.<zone>
//   both:     A    <task-id>.<name>.<zone>    the task's IP (the SRV target)
//             A    <name>.<zone>              awsvpc task IPs (bridge/host tasks share a host IP, so they need SRV)
import type { Endpoint } from '../resolve/endpoints';

export type RecordType = 'A' | 'SRV' | 'TXT' | 'CNAME';

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
}

/** Route 53 allows 400 values per set; a set must also fit twice (DELETE + CREATE) in one 32,000-char request. */
export const MAX_VALUES_PER_SET = 400;
export const MAX_CHARS_PER_SET = 15000;

export interface DesiredRecords {
  serviceName: string;
  /** every name that can carry a head record set for this service, desired or not (read before planning) */
  headNames: string[];
  heads: RecordSet[];
  taskRecords: Map<string, RecordSet>;
  truncated: { name: string; type: RecordType; dropped: number }[];
}

export const fqdn = (relative: string, zoneName: string) => `${relative}.${zoneName}.`.toLowerCase();

export function taskRecordName(taskId: string, serviceName: string, zoneName: string): string {
  return fqdn(`${taskId}.${serviceName}`, zoneName);
}

export function srvRecordName(serviceName: string, protocol: 'tcp' | 'udp', options: NamingOptions): string {
  return options.srvNameFormat === 'rfc2782'
    ? fqdn(`_${serviceName}._${protocol}`, options.zoneName)
    : fqdn(serviceName, options.zoneName);
}

export function headNamesFor(serviceName: string, options: NamingOptions): string[] {
  const names = new Set([fqdn(serviceName, options.zoneName)]);
  if (options.srvNameFormat === 'rfc2782') {
    names.add(srvRecordName(serviceName, 'tcp', options));
    names.add(srvRecordName(serviceName, 'udp', options));
  }
  return [...names];
}

function capped(values: string[]): { kept: string[]; dropped: number } {
  const sorted = [...new Set(values)].sort();
  const kept: string[] = [];
  let chars = 0;
  for (const value of sorted) {
    if (kept.length >= MAX_VALUES_PER_SET || chars + value.length > MAX_CHARS_PER_SET) break;
    kept.push(value);
    chars += value.length;
  }
  return { kept, dropped: sorted.length - kept.length };
}

export function desiredRecords(serviceName: string, members: Member[], options: NamingOptions): DesiredRecords {
  const srvValues = new Map<string, string[]>();
  const serviceIps: string[] = [];
  const taskRecords = new Map<string, RecordSet>();
  const ordered = [...members].sort((a, b) => a.taskId.localeCompare(b.taskId));
  for (const member of ordered) {
    const endpoints = member.endpoints.filter((e) => e.name === serviceName);
    if (endpoints.length === 0) continue;
    const target = taskRecordName(member.taskId, serviceName, options.zoneName);
    for (const endpoint of endpoints) {
      const srvName = srvRecordName(serviceName, endpoint.protocol, options);
      const list = srvValues.get(srvName) ?? srvValues.set(srvName, []).get(srvName)!;
      list.push(`1 1 ${endpoint.port} ${target}`);
      if (endpoint.awsvpc && endpoint.ip) serviceIps.push(endpoint.ip);
    }
    if (endpoints[0].ip) taskRecords.set(member.taskId, { name: target, type: 'A', ttl: options.ttl, values: [endpoints[0].ip] });
  }
  const heads: RecordSet[] = [];
  const truncated: DesiredRecords['truncated'] = [];
  const add = (name: string, type: RecordType, values: string[]) => {
    if (values.length === 0) return;
    const { kept, dropped } = capped(values);
    if (dropped > 0) truncated.push({ name, type, dropped });
    heads.push({ name, type, ttl: options.ttl, values: kept });
  };
  for (const [name, values] of [...srvValues].sort(([a], [b]) => a.localeCompare(b))) add(name, 'SRV', values);
  add(fqdn(serviceName, options.zoneName), 'A', serviceIps);
  return { serviceName, headNames: headNamesFor(serviceName, options), heads, taskRecords, truncated };
}
