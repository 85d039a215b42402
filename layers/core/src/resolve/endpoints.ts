// Pure: turns a task event plus its task definition (and host IP for bridge/host) into the endpoints to register.
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

export interface TaskDefinitionLike {
  networkMode?: string;
  containerDefinitions?: ContainerDefinitionLike[];
}

export interface ResolvedEndpoints {
  endpoints: Endpoint[];
  problems: MetadataProblem[];
  /** true when at least one port carries metadata */
  hasMetadata: boolean;
  /** invalid SERVICE_<port>_CHECK_* settings (dropped: those endpoints use the default check) */
  checkProblems: CheckSettingsProblem[];
  /** ECS's task health in this event: only essential containers with a health check gate it (./task-health) */
  health: TaskHealth;
  healthCheckStartPeriodSeconds: number;
}

export function resolveEndpoints(
  event: TaskEvent,
  taskDefinition: TaskDefinitionLike,
  hostIp: string | undefined,
  naming: NamingContext,
): ResolvedEndpoints {
  const metadata = serviceMetadata(taskDefinition.containerDefinitions ?? [], event.environmentOverrides, naming);
  const problems = [...metadata.problems];
  const awsvpc = (taskDefinition.networkMode ?? 'bridge') === 'awsvpc';
  const endpoints: Endpoint[] = [];
  for (const port of metadata.ports) {
    let ip: string | undefined;
    let hostPort: number | undefined;
    if (awsvpc) {
      ip = event.eniAddress;
      hostPort = port.containerPort;
    } else {
      ip = hostIp;
      const container = event.containers.find((c) => c.name === port.containerName);
      hostPort = container?.networkBindings?.find(
        (b) => b.containerPort === port.containerPort && (b.protocol ?? 'tcp') === port.protocol,
      )?.hostPort;
    }
    if (!ip || !hostPort) {
      problems.push({
        containerName: port.containerName,
        containerPort: port.containerPort,
        problem: !ip ? 'no IP address for the task yet' : 'no host port binding for the container port',
      });
      continue;
    }
    endpoints.push({ ...port, ip, port: hostPort, awsvpc });
  }
  const startPeriods = (taskDefinition.containerDefinitions ?? []).map((c) => c.healthCheck?.startPeriod ?? 0);
  return {
    endpoints,
    problems,
    hasMetadata: carriesServiceMetadata(metadata),
    checkProblems: metadata.checkProblems,
    health: taskHealth(taskDefinition.containerDefinitions ?? [], event.containers),
    healthCheckStartPeriodSeconds: Math.max(0, ...startPeriods),
  };
}
