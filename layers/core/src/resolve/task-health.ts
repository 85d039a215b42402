// Pure: ECS's task health rule, the one place the registrar (PENDING_HEALTH) and the health checker (promotion)
// decide whether a task's own health checks let it into DNS.
//
// Rule (Amazon ECS API Reference, HealthCheck: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html,
// and the developer guide, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/healthcheck.html): a task's
// health is determined by its ESSENTIAL containers only - "the container health check status of nonessential
// containers don't have an effect on the health status of a task". A container definition's `essential` defaults
// to true when omitted (ContainerDefinition.essential). Only health checks in the container definition count: ECS
// neither runs nor reports a HEALTHCHECK baked into the image.
//
// Task-level `healthStatus` (events' detail.healthStatus, DescribeTasks' task.healthStatus) is deliberately not
// used: its UNKNOWN means "still evaluating" as well as "no health check" and "only non-essential ones" (so it
// cannot tell a task with nothing to wait for from one still starting), moto does not return it, and the parsed
// TaskEvent does not carry it. Container statuses plus the task definition give the same answer ECS derives,
// for events and for DescribeTasks alike.

export type ContainerHealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** The parts of an ECS ContainerDefinition the rule reads. */
export interface HealthGateDefinition {
  name?: string;
  /** ECS default when omitted: true */
  essential?: boolean;
  healthCheck?: { command?: string[] } | undefined;
}

/** A container as an event or DescribeTasks reports it. */
export interface ReportedContainerHealth {
  name: string;
  /** HEALTHY | UNHEALTHY | UNKNOWN; absent when the container has no health check or ECS has no status yet */
  healthStatus?: string;
}

export interface TaskHealth {
  /** essential containers (definition order) that define a health check: the containers that gate the task */
  gating: string[];
  /** gating containers not reporting HEALTHY (UNHEALTHY, UNKNOWN, no status, or not listed at all) */
  awaiting: string[];
  /** no gating container is awaited: true as well when the task has no gating container at all */
  healthy: boolean;
}

/** Essential (default true) containers with a health check command: their health is the task's health. */
export function healthGatingContainers(definitions: readonly HealthGateDefinition[]): string[] {
  return definitions
    .filter((d) => d.name && d.essential !== false && (d.healthCheck?.command?.length ?? 0) > 0)
    .map((d) => d.name as string);
}

/** Of the gating containers (healthGatingContainers), those ECS does not report HEALTHY. */
export function containersAwaitingHealth(
  gating: readonly string[],
  reported: readonly ReportedContainerHealth[],
): string[] {
  const status = new Map(reported.map((c) => [c.name, c.healthStatus]));
  return gating.filter((name) => status.get(name) !== 'HEALTHY');
}

/**
 * ECS's task health for one task: `definitions` from its task definition (containerDefinitions), `reported` from
 * the event or DescribeTasks (containers[]). The registrar keeps `gating` in the task state (awaitingHealthOf),
 * so the health checker applies containersAwaitingHealth to the same containers without re-reading the definition.
 */
export function taskHealth(
  definitions: readonly HealthGateDefinition[],
  reported: readonly ReportedContainerHealth[],
): TaskHealth {
  const gating = healthGatingContainers(definitions);
  const awaiting = containersAwaitingHealth(gating, reported);
  return { gating, awaiting, healthy: awaiting.length === 0 };
}
