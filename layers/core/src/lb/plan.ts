// Pure: the LB registrar's record for one ECS service, and the Route 53 changes that make the zone hold it.
//
//   <service>.<zone>          CNAME -> the load balancer's DNS name (TTL = RECORD_TTL), or
//                             A alias -> the load balancer (EvaluateTargetHealth on), with LB_RECORD_TYPE=ALIAS
//   _owner.<service>.<zone>   TXT "heritage=ecs-service-discovery,owner=<OwnerId>,registrar=lb" "ecs-service=<ARN>"
//
// Ownership: a CNAME cannot share its name with any other record, so the LB registrar's marker lives beside the
// name (`_owner.`), not at it. The marker names the owning stack (OwnerId) and the owning ECS service (its ARN), so
// two services of the same name in different clusters cannot take the name from each other. A name is ours only
// when our marker (same OwnerId, same service) is there; anything else at the name (task records, another
// service's record, records made by hand) is a conflict: reported, never overwritten. First come, first served.
//
// Concurrency: every change unit re-writes the marker (DELETE current + CREATE desired), which Route 53 accepts only
// if the marker is still exactly what we read, so the unit is a compare-and-swap over both names even where the
// emulator does not compare alias targets on DELETE.
import { createHash } from 'node:crypto';
import { canonicalName, lbNamesFor, type LbNames } from '../naming/names';
import type { RecordSet, RecordType } from '../plan/records';
import type { Change } from '../plan/route53-changes';
import type { LbRecordType } from './config';
import type { LoadBalancerTarget } from './load-balancers';

// The names are composed and checked in naming/names.ts; re-exported for existing importers.
export { lbNames, lbNamesFor, OWNER_LABEL, type LbNames } from '../naming/names';
/** Longest TXT character-string (RFC 1035: 255 octets) */
const MAX_TXT_STRING = 255;

export const lbOwnerTxtValue = (ownerId: string) => `"heritage=ecs-service-discovery,owner=${ownerId},registrar=lb"`;

/** Names the ECS service that holds the name; hashed when the ARN would not fit in one TXT string. */
export function lbServiceTagValue(serviceArn: string): string {
  const plain = `ecs-service=${serviceArn}`;
  if (plain.length <= MAX_TXT_STRING) return `"${plain}"`;
  return `"ecs-service-sha256=${createHash('sha256').update(serviceArn).digest('hex')}"`;
}

/** The DNS label of an ECS service name (lower case), or undefined when it or a name made from it is invalid. */
export function lbLabel(serviceName: string, zoneName: string): string | undefined {
  const checked = lbNamesFor(serviceName, zoneName);
  return checked.ok ? checked.value.label : undefined;
}

const byArn = (a: LoadBalancerTarget, b: LoadBalancerTarget) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0);

/**
 * One load balancer per name. Several distinct ones (e.g. an ALB and an NLB for one service): the first by ARN
 * order is used (deterministic, so every replay and every writer picks the same one) and the rest are reported.
 */
export function chooseLoadBalancer(targets: LoadBalancerTarget[]): {
  chosen?: LoadBalancerTarget;
  ignored: LoadBalancerTarget[];
} {
  const unique = [...new Map(targets.map((t) => [t.arn, t])).values()].sort(byArn);
  return { chosen: unique[0], ignored: unique.slice(1) };
}

export interface DesiredLbRecord {
  record: RecordSet;
  /** set when ALIAS was asked for but could not be written (no canonical hosted zone): a CNAME is used instead */
  fallback?: string;
}

export function desiredLbRecord(
  name: string,
  target: LoadBalancerTarget,
  recordType: LbRecordType,
  ttl: number,
): DesiredLbRecord {
  const dnsName = canonicalName(target.dnsName);
  const cname: RecordSet = { name: canonicalName(name), type: 'CNAME', ttl, values: [dnsName] };
  if (recordType === 'CNAME') return { record: cname };
  if (!target.canonicalHostedZoneId) {
    return {
      record: cname,
      fallback: `load balancer ${target.name} has no canonical hosted zone ID, so no alias record is possible; wrote a CNAME`,
    };
  }
  return {
    record: {
      name: canonicalName(name),
      type: 'A',
      ttl: 0,
      values: [],
      alias: { hostedZoneId: target.canonicalHostedZoneId, dnsName, evaluateTargetHealth: true },
    },
  };
}

/** Record equality as Route 53 sees it: names and DNS-name values compared case-insensitively, with trailing dot. */
export function sameLbRecord(a: RecordSet, b: RecordSet): boolean {
  if (canonicalName(a.name) !== canonicalName(b.name) || a.type !== b.type) return false;
  if (a.alias || b.alias) {
    return (
      !!a.alias &&
      !!b.alias &&
      a.alias.hostedZoneId.replace(/^\/hostedzone\//, '') === b.alias.hostedZoneId.replace(/^\/hostedzone\//, '') &&
      canonicalName(a.alias.dnsName) === canonicalName(b.alias.dnsName) &&
      a.alias.evaluateTargetHealth === b.alias.evaluateTargetHealth
    );
  }
  const norm = (s: RecordSet) => [...new Set(s.type === 'CNAME' ? s.values.map(canonicalName) : s.values)].sort();
  const [va, vb] = [norm(a), norm(b)];
  return a.ttl === b.ttl && va.length === vb.length && va.every((v, i) => v === vb[i]);
}

export interface LbPlanInput extends LbNames {
  /** the record the service should have, or undefined: none (no load balancer, service deleted) */
  desired?: RecordSet;
  /** every record set found at `name` and at `ownerName`, any type */
  current: RecordSet[];
  ownerId: string;
  serviceArn: string;
  ttl: number;
}

export type LbPlanResult =
  | { kind: 'changes'; changes: Change[] }
  | { kind: 'in-sync' }
  | { kind: 'conflict'; name: string; reason: string };

/** The record types the LB registrar writes at `<service>.<zone>`. */
const LB_TYPES: RecordType[] = ['CNAME', 'A'];

export function planLbChanges(input: LbPlanInput): LbPlanResult {
  const name = canonicalName(input.name);
  const ownerName = canonicalName(input.ownerName);
  const atName = input.current.filter((s) => canonicalName(s.name) === name);
  const atOwner = input.current.filter((s) => canonicalName(s.name) === ownerName);
  const ownerValue = lbOwnerTxtValue(input.ownerId);
  const serviceTag = lbServiceTagValue(input.serviceArn);
  const marker = atOwner.find((s) => s.type === 'TXT');
  const ours = marker?.values.includes(ownerValue) ?? false;
  const desiredMarker: RecordSet = { name: ownerName, type: 'TXT', ttl: input.ttl, values: [ownerValue, serviceTag].sort() };
  const desired = input.desired && { ...input.desired, name };
  const describe = (sets: RecordSet[]) => sets.map((s) => `${s.type}${s.alias ? ' (alias)' : ''}`).join(', ');

  if (!ours) {
    // Nothing of ours here: with no record wanted there is nothing to do, whoever holds the name.
    if (!desired) return { kind: 'in-sync' };
    if (atOwner.length > 0) {
      return { kind: 'conflict', name: ownerName, reason: `${ownerName} holds ${describe(atOwner)} not written by the LB registrar of ${input.ownerId}` };
    }
    if (atName.length > 0) {
      return { kind: 'conflict', name, reason: `${name} holds ${describe(atName)} not owned by the LB registrar of ${input.ownerId}` };
    }
    return { kind: 'changes', changes: [{ action: 'CREATE', set: desiredMarker }, { action: 'CREATE', set: desired }] };
  }

  if (!marker!.values.includes(serviceTag)) {
    // Our stack, another ECS service (same name, another cluster): it came first.
    if (!desired) return { kind: 'in-sync' };
    const holder = marker!.values.filter((v) => v !== ownerValue).join(' ') || 'an unnamed service';
    return { kind: 'conflict', name, reason: `${name} already belongs to ${holder}` };
  }

  const mine = atName.filter((s) => LB_TYPES.includes(s.type));
  const foreign = atName.filter((s) => !LB_TYPES.includes(s.type));
  if (desired && foreign.length > 0) {
    return { kind: 'conflict', name, reason: `${name} also holds ${describe(foreign)}, which the LB registrar did not write` };
  }
  const markerValues = [...marker!.values].sort();
  const markerInSync =
    marker!.ttl === desiredMarker.ttl &&
    markerValues.length === desiredMarker.values.length &&
    markerValues.every((v, i) => v === desiredMarker.values[i]);
  if (desired && mine.length === 1 && sameLbRecord(mine[0], desired) && markerInSync) return { kind: 'in-sync' };

  const changes: Change[] = mine.map((set) => ({ action: 'DELETE' as const, set }));
  changes.push({ action: 'DELETE', set: marker! });
  if (desired) changes.push({ action: 'CREATE', set: desiredMarker }, { action: 'CREATE', set: desired });
  return { kind: 'changes', changes };
}
