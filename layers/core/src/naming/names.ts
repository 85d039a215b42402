// Pure: every DNS name the application writes, composed and checked in one place.
//
// For a service name N (one or more labels) in zone Z, the task registrar writes
//   N.Z.                      service A record, ownership TXT, and the SRV set in the plain format
//   _N._tcp.Z. / _N._udp.Z.   SRV set and ownership TXT in the rfc2782 format (the first label of N gets the "_")
//   <task-id>.N.Z.            per-task A record, the SRV target
// and for an ECS service S behind a load balancer, the LB registrar writes
//   S.Z.                      CNAME or alias A
//   _owner.S.Z.               its ownership TXT
//
// Limits (RFC 1035 section 2.3.4, and Route 53's "DNS domain name format"): a label is 1-63 octets; a name is at
// most 255 octets in wire format (a length octet before each label, the label, and the root's zero octet), which
// is at most 253 characters written without the trailing dot. A service name is accepted only when every name
// composed from it fits, so a name Route 53 would reject never becomes state and is never sent.

export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_OCTETS = 255;
/**
 * Longest ECS task ID: 32 hex digits in today's task ARNs (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>),
 * a 36-character UUID in the older format (arn:aws:ecs:<region>:<account>:task/<uuid>). Per-task names are checked
 * with the longest, so a name accepted today still fits every task ID.
 */
export const MAX_TASK_ID_LENGTH = 36;
/** Stands for the longest task ID in composed names; shown as `<task-id>` in problems. */
const TASK_ID_PLACEHOLDER = '0'.repeat(MAX_TASK_ID_LENGTH);

/** The label beside an LB name that carries the LB registrar's ownership TXT. */
export const OWNER_LABEL = '_owner';

export type SrvNameFormat = 'plain' | 'rfc2782';

export interface NamingContext {
  /** hosted zone name, lower case, no trailing dot */
  zoneName: string;
  srvNameFormat: SrvNameFormat;
}

/** A checked value, or the rule it breaks (one sentence naming the rule and the offending name). */
export type NameCheck<T = string> = { ok: true; value: T } | { ok: false; problem: string };

const fail = (problem: string): { ok: false; problem: string } => ({ ok: false, problem });

/** Host name label (RFC 1035 section 2.3.1 "preferred name syntax", digits first allowed by RFC 1123): lower case. */
const LDH_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** Labels the application composes: LDH, plus the underscore of `_N`, `_tcp`, `_owner`. */
const WRITTEN_LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/** True for a lower-case host name label of 1-63 octets (letters, digits, hyphens inside). */
export function isDnsLabel(label: string): boolean {
  return label.length <= MAX_LABEL_OCTETS && LDH_LABEL.test(label);
}

/** Octets of a name in wire format (RFC 1035 section 3.1); `name` with or without the trailing dot. */
export function wireLength(name: string): number {
  const labels = name.replace(/\.$/, '').split('.');
  return labels.reduce((n, label) => n + 1 + label.length, 0) + 1;
}

/**
 * Checks a fully qualified name the application is about to write against RFC 1035 section 2.3.4 (labels of 1-63
 * octets, at most 255 octets in wire format) and the characters it writes (a-z, 0-9, hyphen, underscore).
 * `role` names the record in the problem text. Returns the name lower case with a trailing dot.
 */
export function checkDnsName(name: string, role = 'name'): NameCheck {
  const canonical = `${name.toLowerCase().replace(/\.$/, '')}.`;
  const shown = canonical.replace(TASK_ID_PLACEHOLDER, '<task-id>');
  const labels = canonical.slice(0, -1).split('.');
  if (labels.some((l) => l.length === 0)) return fail(`${role} "${shown}" has an empty label`);
  const long = labels.find((l) => l.length > MAX_LABEL_OCTETS);
  if (long) {
    return fail(
      `${role} "${shown}" has a label of ${long.length} octets ("${long}"); RFC 1035 section 2.3.4 allows at most ${MAX_LABEL_OCTETS}`,
    );
  }
  const octets = wireLength(canonical);
  if (octets > MAX_NAME_OCTETS) {
    const withId = shown.includes('<task-id>') ? ` with a ${MAX_TASK_ID_LENGTH}-character task ID` : '';
    return fail(
      `${role} "${shown}" is ${octets} octets${withId}; RFC 1035 section 2.3.4 allows at most ${MAX_NAME_OCTETS} (${MAX_NAME_OCTETS - 2} characters)`,
    );
  }
  const odd = labels.find((l) => !WRITTEN_LABEL.test(l));
  if (odd) return fail(`${role} "${shown}" has the label "${odd}", which is not letters, digits, hyphens and underscores`);
  return { ok: true, value: canonical };
}

// ---------------------------------------------------------------------------------------------------------------
// Composition: the one definition of each name written

/** `<relative>.<zone>.`, lower case. */
export const fqdn = (relative: string, zoneName: string): string => `${relative}.${zoneName}.`.toLowerCase();

/** `<task-id>.<service>.<zone>.`: the per-task A record and SRV target. */
export function taskRecordName(taskId: string, serviceName: string, zoneName: string): string {
  return fqdn(`${taskId}.${serviceName}`, zoneName);
}

/** The SRV set's name: `<service>.<zone>.` (plain) or `_<service>._<protocol>.<zone>.` (rfc2782, RFC 2782). */
export function srvRecordName(serviceName: string, protocol: 'tcp' | 'udp', naming: NamingContext): string {
  return naming.srvNameFormat === 'rfc2782'
    ? fqdn(`_${serviceName}._${protocol}`, naming.zoneName)
    : fqdn(serviceName, naming.zoneName);
}

/** Every name that can carry a head record set (SRV, service A, ownership TXT) of a service, in the given format. */
export function headNamesFor(serviceName: string, naming: NamingContext): string[] {
  const names = new Set([fqdn(serviceName, naming.zoneName)]);
  if (naming.srvNameFormat === 'rfc2782') {
    names.add(srvRecordName(serviceName, 'tcp', naming));
    names.add(srvRecordName(serviceName, 'udp', naming));
  }
  return [...names];
}

export interface LbNames {
  /** `<service>.<zone>.` */
  name: string;
  /** `_owner.<service>.<zone>.` */
  ownerName: string;
}

/** The LB registrar's names for an ECS service's DNS label. */
export function lbNames(label: string, zoneName: string): LbNames {
  return { name: fqdn(label, zoneName), ownerName: fqdn(`${OWNER_LABEL}.${label}`, zoneName) };
}

/** Every name the task registrar may write for a service name, with the longest task ID, and what each is. */
export function serviceRecordNames(serviceName: string, naming: NamingContext): { role: string; name: string }[] {
  const format = naming.srvNameFormat;
  return [
    ...headNamesFor(serviceName, naming).map((name) => ({
      role: name === fqdn(serviceName, naming.zoneName) ? 'service name' : `${format} SRV name`,
      name,
    })),
    { role: 'per-task name', name: taskRecordName(TASK_ID_PLACEHOLDER, serviceName, naming.zoneName) },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Names given by users (SERVICE_<port>_NAME, SERVICE_NAME) and by ECS (service names for the LB registrar)

/**
 * The relative name of a user-given service name: trimmed, lower case. A name with a trailing dot is fully
 * qualified: inside the zone it stands for its relative part (`web.svc.internal.` in `svc.internal` -> `web`);
 * the zone apex and names outside the zone are rejected. Each label must be a host name label (isDnsLabel).
 */
export function relativeServiceName(raw: string, zoneName: string): NameCheck {
  let name = raw.trim().toLowerCase();
  if (name === '') return fail('the name is empty');
  if (name.endsWith('.')) {
    const absolute = name.slice(0, -1);
    if (absolute === zoneName) return fail(`"${name}" is the zone apex; a service needs a name below ${zoneName}.`);
    if (!absolute.endsWith(`.${zoneName}`)) return fail(`"${name}" is a fully qualified name outside the zone ${zoneName}.`);
    name = absolute.slice(0, -(zoneName.length + 1));
  }
  const bad = name.split('.').find((l) => !isDnsLabel(l));
  if (bad !== undefined) {
    return fail(
      bad === ''
        ? `"${name}" has an empty label`
        : bad.length > MAX_LABEL_OCTETS
          ? `"${name}" has a label of ${bad.length} octets; RFC 1035 section 2.3.4 allows at most ${MAX_LABEL_OCTETS}`
          : `"${name}" has the label "${bad}", which is not a host name label (letters, digits, inner hyphens)`,
    );
  }
  return { ok: true, value: name };
}

/**
 * A user-given service name, normalised (relativeServiceName, then `suffix` appended, e.g. Registrator's `-<port>`),
 * accepted only when every name composed from it (serviceRecordNames, in the configured SRV format and with the
 * longest task ID) passes checkDnsName. Returns the relative name, or the first problem.
 */
export function serviceNameFor(raw: string, naming: NamingContext, suffix = ''): NameCheck {
  const relative = relativeServiceName(raw, naming.zoneName);
  if (!relative.ok) return relative;
  const name = relative.value + suffix;
  if (suffix) {
    const last = relativeServiceName(name, naming.zoneName);
    if (!last.ok) return last;
  }
  for (const composed of serviceRecordNames(name, naming)) {
    const check = checkDnsName(composed.name, composed.role);
    if (!check.ok) return check;
  }
  return { ok: true, value: name };
}

/**
 * The LB registrar's names for an ECS service name (ECS allows up to 255 letters, digits, hyphens, underscores):
 * one host name label, lower-cased, and both `<service>.<zone>.` and `_owner.<service>.<zone>.` within the limits.
 */
export function lbNamesFor(serviceName: string, zoneName: string): NameCheck<LbNames & { label: string }> {
  const label = serviceName.toLowerCase();
  if (!LDH_LABEL.test(label)) {
    return fail(`ECS service name "${serviceName}" is not a host name label (letters, digits, inner hyphens)`);
  }
  if (label.length > MAX_LABEL_OCTETS) {
    return fail(
      `ECS service name "${serviceName}" is ${label.length} characters; RFC 1035 section 2.3.4 allows labels of at most ${MAX_LABEL_OCTETS} octets`,
    );
  }
  const names = lbNames(label, zoneName);
  for (const [role, name] of [['LB record name', names.name], ['LB ownership TXT name', names.ownerName]] as const) {
    const check = checkDnsName(name, role);
    if (!check.ok) return check;
  }
  return { ok: true, value: { label, ...names } };
}

/**
 * A hosted zone name (ZONE_NAME): lower case, no trailing dot, with room for a one-letter service's names (the
 * per-task name is the longest in either SRV format).
 */
export function checkZoneName(zoneName: string): NameCheck {
  const zone = checkDnsName(zoneName, 'zone name');
  if (!zone.ok) return zone;
  const roomy = serviceNameFor('a', { zoneName: zone.value.slice(0, -1), srvNameFormat: 'plain' });
  if (!roomy.ok) return fail(`zone name "${zoneName}" leaves no room for service names: ${roomy.problem}`);
  return { ok: true, value: zone.value.slice(0, -1) };
}

/** True when `<relative>.<zone>` is within the 255-octet limit (RFC 1035 section 2.3.4). */
export function fitsInZone(relativeName: string, zoneName: string): boolean {
  return wireLength(fqdn(relativeName, zoneName)) <= MAX_NAME_OCTETS;
}

/** Route 53 returns names with a trailing dot and escapes some characters; compare in this form. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase().replace(/\\052/g, '*');
  return lower.endsWith('.') ? lower : `${lower}.`;
}
