// Pure: the health checker's rules, each a small function so a test can pin it down.
//
//   thresholds   UnhealthyThreshold consecutive failing runs turn a task unhealthy (deregistered),
//                HealthyThreshold consecutive passing runs turn it healthy again (re-registered) - as ELB does.
//                A run fails for a task when any endpoint probed in it fails.
//   grace        failures do not count until max(GracePeriodSeconds, the task definition's healthCheck
//                startPeriod) has passed since the task started.
//   panic        when more than PanicThreshold % of the probes of tasks past their grace fail in one run, the
//                checker assumes it is cut off (security group, route, NACL) and discards the run's results -
//                but only when at least PanicMinProbes probes were counted: 1 failing probe of 1 is no evidence.
//   promotion    a PENDING_HEALTH task registers once ECS reports every awaited container HEALTHY and the checker
//                does not hold it out as unhealthy. The awaited containers are those ECS's own rule counts
//                (essential, with a health check: resolve/task-health), kept by the registrar in awaitingHealthOf.
//   stop brakes  only tasks of an ECS service (it replaces them) are stopped, at most MaxStopPercent % of the
//                service's running tasks per run, and never when the service has no healthy registered task left.
import type { TaskEvent } from '../parse/task-event';
import type { HealthRecord } from '../state/health-records';
import type { TaskState } from '../state/task-state';
import { MAX_STOP_REASON_LENGTH } from '../ecs/tasks';
import { containersAwaitingHealth } from '../resolve/task-health';

export interface HealthPolicy {
  unhealthyThreshold: number;
  healthyThreshold: number;
  gracePeriodSeconds: number;
  maxStopPercent: number;
  panicThreshold: number;
  /** fewer counted probes than this never trigger panic */
  panicMinProbes: number;
  recordTtlSeconds: number;
}

/** The outcome of one run for one task: every endpoint probed in the run passed, or at least one failed. */
export interface TaskRunOutcome {
  ok: boolean;
  /** "<check> -> <result>" of the first failing probe, or of the last passing one */
  summary: string;
  /** endpoint keys probed this run that have an interval (their probe time is remembered) */
  intervalKeys: string[];
}

export function freshHealthRecord(taskArn: string, now: number, ttlSeconds: number): HealthRecord {
  return {
    taskArn,
    verdict: 'healthy',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    checkedAt: {},
    firstSeenAt: now,
    expiresAt: Math.floor(now / 1000) + ttlSeconds,
  };
}

export function graceEndsAt(state: TaskState, health: HealthRecord | undefined, policy: HealthPolicy, now: number) {
  const started = state.startedAt ? Date.parse(state.startedAt) : NaN;
  const start = Number.isFinite(started) ? started : (health?.firstSeenAt ?? now);
  const seconds = Math.max(policy.gracePeriodSeconds, state.healthCheckStartPeriodSeconds ?? 0);
  return start + seconds * 1000;
}

export const inGrace = (state: TaskState, health: HealthRecord | undefined, policy: HealthPolicy, now: number) =>
  now < graceEndsAt(state, health, policy, now);

/** Applies one run's outcome to a task's health record. */
export function nextHealthRecord(
  previous: HealthRecord,
  outcome: TaskRunOutcome | undefined,
  context: { graceActive: boolean; runStartedAt: number; now: number; policy: HealthPolicy },
): HealthRecord {
  if (!outcome) return previous;
  const { policy, now } = context;
  const next: HealthRecord = { ...previous, checkedAt: { ...previous.checkedAt }, lastResult: outcome.summary };
  for (const key of outcome.intervalKeys) next.checkedAt[key] = context.runStartedAt;
  if (outcome.ok) {
    next.consecutiveFailures = 0;
    next.consecutiveSuccesses = Math.min(previous.consecutiveSuccesses + 1, policy.healthyThreshold);
    if (previous.verdict === 'unhealthy' && next.consecutiveSuccesses >= policy.healthyThreshold) {
      next.verdict = 'healthy';
      delete next.unhealthySince;
    }
    return next;
  }
  next.lastFailure = outcome.summary;
  if (context.graceActive) return next; // failures before the grace period ends do not count
  next.consecutiveSuccesses = 0;
  next.consecutiveFailures = Math.min(previous.consecutiveFailures + 1, policy.unhealthyThreshold);
  if (previous.verdict === 'healthy' && next.consecutiveFailures >= policy.unhealthyThreshold) {
    next.verdict = 'unhealthy';
    next.unhealthySince = now;
  }
  return next;
}

/** What a record means for the rules; a task without a record behaves exactly like the default (healthy, no count). */
function significant(record: HealthRecord, keepFirstSeen: boolean) {
  const failing = record.consecutiveFailures > 0 || record.verdict === 'unhealthy';
  return JSON.stringify({
    verdict: record.verdict,
    failures: record.consecutiveFailures,
    successes: record.verdict === 'unhealthy' ? record.consecutiveSuccesses : 0,
    unhealthySince: record.unhealthySince ?? null,
    lastFailure: failing ? (record.lastFailure ?? null) : null,
    checkedAt: Object.entries(record.checkedAt ?? {}).sort(),
    firstSeenAt: keepFirstSeen ? record.firstSeenAt : null,
  });
}

/**
 * Whether the record must be written: it differs from the stored one in anything the rules read (a missing record
 * counts as the default), or it matters and its TTL is more than half spent. A steadily healthy task never needs a
 * write; `keepFirstSeen` is set for tasks without startedAt, whose grace period runs from firstSeenAt.
 */
export function healthRecordChanged(
  before: HealthRecord | undefined,
  after: HealthRecord,
  now: number,
  ttlSeconds: number,
  keepFirstSeen = false,
): boolean {
  const baseline = before ?? freshHealthRecord(after.taskArn, after.firstSeenAt, ttlSeconds);
  const next = significant(after, keepFirstSeen);
  if (next !== significant(baseline, keepFirstSeen)) return true;
  if (!before) return false;
  const isDefault = next === significant(freshHealthRecord(after.taskArn, after.firstSeenAt, ttlSeconds), keepFirstSeen);
  return !isDefault && before.expiresAt - Math.floor(now / 1000) < ttlSeconds / 2;
}

export interface PanicVerdict {
  panic: boolean;
  failed: number;
  total: number;
  failedPercent: number;
  /** more than the threshold failed, but fewer than the minimum number of probes were counted */
  tooFewProbes: boolean;
}

/**
 * Give it only probes of tasks past their grace period: a large deployment's starting tasks cannot trigger it.
 * Panic needs more than `panicThreshold` % failing among at least `panicMinProbes` probes (a tiny sample - one
 * task, one failing probe - says nothing about the network).
 */
export function evaluatePanic(
  probes: { ok: boolean }[],
  policy: Pick<HealthPolicy, 'panicThreshold' | 'panicMinProbes'>,
): PanicVerdict {
  const total = probes.length;
  const failed = probes.filter((p) => !p.ok).length;
  const failedPercent = total === 0 ? 0 : (failed * 100) / total;
  const overThreshold = total > 0 && failedPercent > policy.panicThreshold;
  const enough = total >= Math.max(1, policy.panicMinProbes);
  return { panic: overThreshold && enough, failed, total, failedPercent, tooFewProbes: overThreshold && !enough };
}

export type RegistrationAction = 'deregister' | 'promote' | undefined;

/**
 * ECS reports HEALTHY (DescribeTasks, this run) for every container the task's health waits for: the essential
 * containers with a health check, as the registrar stored them (taskHealth(...).gating in awaitingHealthOf).
 */
export function awaitedContainersHealthy(state: TaskState, ecs: TaskEvent): boolean {
  return containersAwaitingHealth(state.awaitingHealthOf ?? [], ecs.containers).length === 0;
}

/** What the checker does to a task's registration given its verdict and what ECS reports. */
export function registrationAction(state: TaskState, ecs: TaskEvent, health: HealthRecord | undefined): RegistrationAction {
  const verdict = health?.verdict ?? 'healthy';
  if (state.status === 'REGISTERED' && state.registeredNames.length > 0 && verdict === 'unhealthy') return 'deregister';
  if (
    state.status === 'PENDING_HEALTH' &&
    verdict === 'healthy' &&
    (state.endpoints ?? []).length > 0 &&
    awaitedContainersHealthy(state, ecs)
  ) {
    return 'promote';
  }
  return undefined;
}

/** The state after the checker deregisters a task: still running, kept out of DNS until it passes again. */
export function deregisteredState(state: TaskState, now: Date): TaskState {
  return {
    ...state,
    status: 'PENDING_HEALTH',
    registeredNames: [],
    awaitingHealthOf: state.awaitingHealthOf ?? [],
    updatedAt: now.toISOString(),
  };
}

export function promotedState(state: TaskState, now: Date): TaskState {
  const names = [...new Set((state.endpoints ?? []).map((e) => e.name))].sort();
  const { awaitingHealthOf: _awaiting, ...rest } = state;
  return { ...rest, status: 'REGISTERED', registeredNames: names, updatedAt: now.toISOString() };
}

export interface StopCandidate {
  taskArn: string;
  clusterArn: string;
  /** ECS task group ("service:NAME"): the unit MaxStopPercent applies to */
  group: string;
  unhealthySince: number;
  reason: string;
}

export interface ServiceCounts {
  /** tasks of the group ECS reports RUNNING (desired RUNNING) */
  running: number;
  /** tasks of the group registered and judged healthy after this run */
  healthy: number;
}

export interface StopDecision {
  stop: StopCandidate[];
  held: { candidate: StopCandidate; rule: 'max-stop-percent' | 'last-healthy' }[];
}

export function selectStops(
  candidates: StopCandidate[],
  counts: Map<string, ServiceCounts>,
  maxStopPercent: number,
): StopDecision {
  const decision: StopDecision = { stop: [], held: [] };
  const byGroup = new Map<string, StopCandidate[]>();
  for (const c of candidates) (byGroup.get(c.group) ?? byGroup.set(c.group, []).get(c.group)!).push(c);
  for (const [group, list] of byGroup) {
    const ordered = [...list].sort((a, b) => a.unhealthySince - b.unhealthySince || a.taskArn.localeCompare(b.taskArn));
    const { running, healthy } = counts.get(group) ?? { running: 0, healthy: 0 };
    if (healthy < 1) {
      // Every task of the service fails: the cause is more likely shared (a dependency, the check itself) than
      // in the tasks, and stopping them all would turn a degraded service into an outage.
      decision.held.push(...ordered.map((candidate) => ({ candidate, rule: 'last-healthy' as const })));
      continue;
    }
    const allowed = Math.floor((running * maxStopPercent) / 100);
    ordered.forEach((candidate, i) => {
      if (i < allowed) decision.stop.push(candidate);
      else decision.held.push({ candidate, rule: 'max-stop-percent' });
    });
  }
  return decision;
}

export const stopGroupOf = (state: TaskState, ecs: TaskEvent | undefined) =>
  `${state.clusterArn}|${ecs?.group ?? state.group ?? ''}`;

/** Only tasks an ECS service will replace are stopped. */
export const isServiceTask = (state: TaskState, ecs: TaskEvent | undefined) =>
  (ecs?.group ?? state.group ?? '').startsWith('service:');

/** StopTask reason (<= 255 characters) naming the check and its last result. */
export function stopReason(health: HealthRecord, policy: Pick<HealthPolicy, 'unhealthyThreshold'>): string {
  const reason = `ecs-service-discovery: health check failed ${policy.unhealthyThreshold} consecutive times; last: ${
    health.lastFailure ?? health.lastResult ?? 'unknown'
  }`;
  return reason.length <= MAX_STOP_REASON_LENGTH ? reason : `${reason.slice(0, MAX_STOP_REASON_LENGTH - 3)}...`;
}
