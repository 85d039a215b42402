// DNS name rules live in naming/names.ts (one place); re-exported here for existing importers.
import { relativeServiceName } from '../naming/names';

export { canonicalName, fitsInZone, isDnsLabel } from '../naming/names';

/**
 * A user-given service name, lower case, relative to `zoneName` (see naming/names relativeServiceName); undefined
 * when invalid. Without a zone, a fully qualified name (trailing dot) cannot be placed and is rejected.
 * Prefer serviceNameFor, which also checks every name composed from it.
 */
export function normaliseServiceName(raw: string, zoneName?: string): string | undefined {
  if (zoneName === undefined && raw.trim().endsWith('.')) return undefined;
  const result = relativeServiceName(raw, zoneName ?? '');
  return result.ok ? result.value : undefined;
}
