// Registrator-compatible service metadata, read from docker labels, the task definition's environment and the
// run's container overrides (later sources win). Only ports with explicit metadata register: there is no default
// name from the image, so unrelated containers never appear in DNS.
//
//   SERVICE_<port>_NAME       name for one container port
//   SERVICE_NAME              name for every mapped port (suffixed "-<port>" when the container maps several,
//                             as Registrator does)
//   SERVICE_<port>_IGNORE / SERVICE_IGNORE   skip the port / the container
//   SERVICE_<port>_TAGS / SERVICE_TAGS       comma-separated tags (kept for the directory)
//   SERVICE_<port>_CHECK_HTTP / _CHECK_TCP / _CHECK_INTERVAL / _CHECK_TIMEOUT (and un-numbered forms)
//                             health-check settings kept for the health checker, validated by the rules of the
//                             global parameters (health/check-settings.ts); invalid ones are dropped and listed
//                             in checkProblems
import { serviceNameFor, type NamingContext } from '../naming/names';
import {
  validateCheckSettings,
  type CheckSettingProblem,
  type HealthCheckSettings,
  type RawSetting,
} from '../health/check-settings';

export interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

export interface ContainerDefinitionLike {
  name?: string;
  portMappings?: PortMapping[];
  environment?: { name?: string; value?: string }[];
  dockerLabels?: Record<string, string>;
  /** ECS default when omitted: true (resolve/task-health.ts) */
  essential?: boolean;
  healthCheck?: { command?: string[]; startPeriod?: number } | undefined;
}

export interface ServicePort {
  containerName: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  name: string;
  tags: string[];
  check: HealthCheckSettings;
}

export interface MetadataProblem {
  containerName: string;
  containerPort?: number;
  problem: string;
  /** set for a rejected service name: the setting it came from (SERVICE_<port>_NAME or SERVICE_NAME) and its value */
  field?: string;
  value?: string;
}

/** An invalid SERVICE_<port>_CHECK_* setting of a registered port: dropped, that part of its check is the default. */
export interface CheckSettingsProblem extends CheckSettingProblem {
  containerName: string;
  containerPort: number;
}

export interface ServiceMetadata {
  ports: ServicePort[];
  problems: MetadataProblem[];
  checkProblems: CheckSettingsProblem[];
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function tagsOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

export function containerSettings(
  definition: ContainerDefinitionLike,
  overrides: Record<string, string> | undefined,
): Record<string, string> {
  const env = Object.fromEntries(
    (definition.environment ?? []).filter((kv) => kv.name).map((kv) => [kv.name as string, kv.value ?? '']),
  );
  return { ...(definition.dockerLabels ?? {}), ...env, ...(overrides ?? {}) };
}

/** A task carries metadata when any container port names a service (valid or not: invalid names are reported). */
export function carriesServiceMetadata(metadata: ServiceMetadata): boolean {
  return metadata.ports.length > 0 || metadata.problems.length > 0;
}

/**
 * The ports of a task definition's containers that name a service, with their settings. `naming` (zone and SRV name
 * format) is needed because a name is accepted only when every record name composed from it is valid
 * (naming/names serviceNameFor); a rejected name becomes a problem naming the setting, the value and the rule.
 */
export function serviceMetadata(
  containers: ContainerDefinitionLike[],
  environmentOverrides: Record<string, Record<string, string>>,
  naming: NamingContext,
): ServiceMetadata {
  const ports: ServicePort[] = [];
  const problems: MetadataProblem[] = [];
  const checkProblems: CheckSettingsProblem[] = [];
  for (const container of containers) {
    const containerName = container.name ?? '';
    const settings = containerSettings(container, environmentOverrides[containerName]);
    if (isTrue(settings.SERVICE_IGNORE)) continue;
    const mapped = (container.portMappings ?? []).filter((p) => typeof p.containerPort === 'number');
    for (const mapping of mapped) {
      const port = mapping.containerPort as number;
      const raw = (suffix: string): RawSetting | undefined => {
        for (const field of [`SERVICE_${port}_${suffix}`, `SERVICE_${suffix}`]) {
          if (settings[field] !== undefined) return { field, value: settings[field] };
        }
        return undefined;
      };
      if (isTrue(settings[`SERVICE_${port}_IGNORE`])) continue;
      const portName = settings[`SERVICE_${port}_NAME`];
      const field = portName !== undefined ? `SERVICE_${port}_NAME` : 'SERVICE_NAME';
      const rawName = portName ?? settings.SERVICE_NAME;
      if (rawName === undefined) continue;
      // Registrator's "-<port>" suffix for a shared name, added to the relative name (after a trailing-dot name
      // is placed in the zone) and checked with it.
      const suffix = portName === undefined && mapped.length > 1 ? `-${port}` : '';
      const checked = serviceNameFor(rawName, naming, suffix);
      if (!checked.ok) {
        problems.push({ containerName, containerPort: port, field, value: rawName, problem: checked.problem });
        continue;
      }
      const name = checked.value;
      const { check, problems: invalid } = validateCheckSettings({
        http: raw('CHECK_HTTP'),
        tcp: raw('CHECK_TCP'),
        interval: raw('CHECK_INTERVAL'),
        timeout: raw('CHECK_TIMEOUT'),
      });
      checkProblems.push(...invalid.map((p) => ({ containerName, containerPort: port, ...p })));
      ports.push({
        containerName,
        containerPort: port,
        protocol: mapping.protocol === 'udp' ? 'udp' : 'tcp',
        name,
        tags: tagsOf(settings[`SERVICE_${port}_TAGS`] ?? settings.SERVICE_TAGS),
        check,
      });
    }
  }
  return { ports, problems, checkProblems };
}
