// Pure: turns a task event plus its task definition (and, for bridge/host, its host's addresses) into the endpoints
// to register, and the metadata ports that cannot be resolved yet.
//
// An endpoint exists only with a port and at least one address. awsvpc: the ENI's IPv4 and/or IPv6 address (a task
// on an IPv6-only subnet has no IPv4), port = containerPort. bridge/host: the EC2 host's addresses and the
// container's networkBindings hostPort (ECS may report a task RUNNING before its bindings are filled in).
// A port without an address or a binding is `unresolved` (with the reason), not dropped: the task is re-resolved
// by its later events and by the reconciler until it resolves or stops.
import type { TaskEvent } from '../parse/task-event';
import type { NamingContext } from '../naming/names';
import {
  carriesServiceMetadata,
  serviceMetadata,
  type CheckSettingsProblem,
  type ContainerDefinitionLike,
  type MetadataProblem,
  type ServicePort,
} from '../parse/metadata';
import { taskHealth, type TaskHealth } from './task-health';
import type { HostAddress } from './host-addresses';

export interface Endpoint {
  name: string;
  containerName: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** IPv4 literal: the awsvpc ENI's privateIPv4Address, or the EC2 host's private IPv4 (bridge/host); absent for IPv6-only tasks */
  ip?: string;
  /** IPv6 literal: the awsvpc ENI's ipv6Address (or the host's IPv6 when known); absent when the task has none */
  ipv6?: string;
  port: number;
  /** awsvpc tasks get a service-level A record; bridge/host tasks share their host's IP, so they do not */
  awsvpc: boolean;
  tags: string[];
  check: ServicePort['check'];
}

/** The address to reach an endpoint at when one is needed (probes, per-task records): IPv4 when it has one.
 * State items written before IPv6 support have `ip` only. */
export const primaryAddress = (endpoint: Pick<Endpoint, 'ip' | 'ipv6'>): string | undefined => endpoint.ip ?? endpoint.ipv6;

/** A metadata port that has no address or no host port binding yet. */
export interface UnresolvedPort {
  containerName: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  reason: string;
}

/** What the host lookup (resolve/host-addresses.ts) found for a bridge/host task's container instance. */
export interface HostResolution {
  address?: HostAddress;
  /** why the host cannot be resolved (permanent lookup failure, or no container instance in the event) */
  problem?: string;
}

export interface TaskDefinitionLike {
  networkMode?: string;
  containerDefinitions?: ContainerDefinitionLike[];
}

export interface ResolvedEndpoints {
  endpoints: Endpoint[];
  /** metadata that is invalid (configuration errors: they never resolve) */
  problems: MetadataProblem[];
  /** valid metadata ports without an address or host port binding yet */
  unresolved: UnresolvedPort[];
  /** true when at least one port carries metadata */
  hasMetadata: boolean;
  /** invalid SERVICE_<port>_CHECK_* settings (dropped: those endpoints use the default check) */
  checkProblems: CheckSettingsProblem[];
  /** ECS's task health in this event: only essential containers with a health check gate it (./task-health) */
  health: TaskHealth;
  healthCheckStartPeriodSeconds: number;
}

const validPort = (port: number | undefined): port is number => port !== undefined && port >= 1 && port <= 65535;

/**
 * @param host bridge/host tasks only: the host lookup's result (ignored for awsvpc tasks)
 * @returns endpoints with at least one address and a port; every other metadata port in `unresolved` with its reason
 */
export function resolveEndpoints(
  event: TaskEvent,
  taskDefinition: TaskDefinitionLike,
  host: HostResolution | undefined,
  naming: NamingContext,
): ResolvedEndpoints {
  const metadata = serviceMetadata(taskDefinition.containerDefinitions ?? [], event.environmentOverrides, naming);
  const problems = [...metadata.problems];
  const awsvpc = (taskDefinition.networkMode ?? 'bridge') === 'awsvpc';
  const endpoints: Endpoint[] = [];
  const unresolved: UnresolvedPort[] = [];
  for (const port of metadata.ports) {
    const address: HostAddress = awsvpc
      ? { ip: event.eniAddress, ipv6: event.eniIpv6Address }
      : { ip: host?.address?.ip, ipv6: host?.address?.ipv6 };
    let hostPort: number | undefined;
    if (awsvpc) hostPort = port.containerPort;
    else {
      const container = event.containers.find((c) => c.name === port.containerName);
      hostPort = container?.networkBindings?.find(
        (b) => b.containerPort === port.containerPort && (b.protocol ?? 'tcp') === port.protocol,
      )?.hostPort;
    }
    const { containerName, containerPort, protocol } = port;
    if (!address.ip && !address.ipv6) {
      const reason = awsvpc
        ? 'the task has no IPv4 or IPv6 ENI address yet'
        : (host?.problem ?? 'no address for the task\'s host yet');
      unresolved.push({ containerName, containerPort, protocol, reason });
      continue;
    }
    if (!validPort(hostPort)) {
      unresolved.push({ containerName, containerPort, protocol, reason: 'no host port binding for the container port yet' });
      continue;
    }
    endpoints.push({
      ...port,
      ...(address.ip ? { ip: address.ip } : {}),
      ...(address.ipv6 ? { ipv6: address.ipv6 } : {}),
      port: hostPort,
      awsvpc,
    });
  }
  const startPeriods = (taskDefinition.containerDefinitions ?? []).map((c) => c.healthCheck?.startPeriod ?? 0);
  return {
    endpoints,
    problems,
    unresolved,
    hasMetadata: carriesServiceMetadata(metadata),
    checkProblems: metadata.checkProblems,
    health: taskHealth(taskDefinition.containerDefinitions ?? [], event.containers),
    healthCheckStartPeriodSeconds: Math.max(0, ...startPeriods),
  };
}
