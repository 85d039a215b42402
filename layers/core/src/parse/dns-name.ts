// DNS name rules (RFC 1035 labels, lower case). Names that break them are rejected before any write.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;

export function isDnsLabel(label: string): boolean {
  return LABEL.test(label);
}

/** A service name from metadata: one or more labels. Returns the normalised name, or undefined when invalid. */
export function normaliseServiceName(raw: string): string | undefined {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!name || name.length > MAX_NAME_LENGTH) return undefined;
  return name.split('.').every(isDnsLabel) ? name : undefined;
}

export function fitsInZone(relativeName: string, zoneName: string): boolean {
  return `${relativeName}.${zoneName}`.length <= MAX_NAME_LENGTH;
}

/** Route 53 returns names with a trailing dot and escapes some characters; compare in this form. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase().replace(/\\052/g, '*');
  return lower.endsWith('.') ? lower : `${lower}.`;
}
