// Health checker run: state table -> DescribeTasks -> probes (bounded concurrency, deadline-aware) -> rules
// (pure, ./rules) -> health records, registration changes through the registrar's writer, and braked StopTask.
//
// Registration changes use the same path as the registrar: TaskStateStore.replace (optimistic, moves membership
// items) and then DirectoryBackend.sync for the names involved. There is no Route 53 logic here.
import type { Logger } from '@aws-lambda-powertools/logger';
import pLimit from 'p-limit';
import { clusterInScope, type Config } from '../config';
import { countMetric, logger as rootLogger } from '../observability';
import type { TaskEvent } from '../parse/task-event';
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';
import { syncRequestsFor } from '../registrar/task-transition';
import { StaleStateError, type TaskState, type TaskStateStore } from '../state/task-state';
import { putHealthRecords, type HealthRecord } from '../state/health-records';
import { exclusiveScheduledHandler, type SkippedRun } from '../state/run-lease';
import { withRetries } from '../util/retry';
import { scanHealthTargets } from '../state/state-scan';
import { isDeadlineExceeded } from '../util/deadline';
import { describeTasks, stopTask } from '../ecs/tasks';
import { snapshotEvent } from '../ecs/snapshot';
import type { HealthConfig } from './config';
import { createProber, type ProbeResult, type Prober } from './probe';
import { isRunningInEcs, planProbes, type PlannedProbe, type SkipReason, type TargetTask } from './targets';
import {
  deregisteredState,
  evaluatePanic,
  freshHealthRecord,
  healthRecordChanged,
  inGrace,
  isServiceTask,
  nextHealthRecord,
  promotedState,
  registrationAction,
  selectStops,
  stopGroupOf,
  stopReason,
  type HealthPolicy,
  type ServiceCounts,
  type StopCandidate,
  type TaskRunOutcome,
} from './rules';

export interface HealthCheckerDeps {
  config: Config;
  health: HealthConfig;
  store: TaskStateStore;
  backend: DirectoryBackend;
  /** defaults to real HTTP/TCP probes */
  prober?: Prober;
  /** the time the rules see (grace periods, check intervals); deadlines always use the wall clock */
  now?: () => number;
  /** ms kept free before the Lambda timeout */
  safetyMarginMs?: number;
  /** ms reserved after probing for writes, syncs and stops (capped at 40% of the run) */
  applyReserveMs?: number;
  /** the run lease the handler holds while it runs (state/run-lease.ts); default "health-checker" */
  leaseName?: string;
  log?: Logger;
}

export interface HealthRunReport {
  tasks: number;
  /** probes sent (passed or failed) */
  probes: number;
  failedProbes: number;
  /** probes that could not be sent (probe.ts): not counted for or against their task, nor toward panic */
  notSent: number;
  /** probes not started because the run's time was up: they go first... next run, by chance (order is shuffled) */
  deferred: number;
  skipped: Partial<Record<SkipReason, number>>;
  panic: boolean;
  failedPercent: number;
  deregistered: string[];
  reregistered: string[];
  promoted: string[];
  stopped: { taskArn: string; reason: string }[];
  held: { taskArn: string; rule: string }[];
  recordsWritten: number;
  syncFailures: { serviceName: string; reason: string }[];
  /** set when the handler did nothing because another run held the run lease */
  notRun?: SkippedRun;
}

const emptyReport = (): HealthRunReport => ({
  tasks: 0,
  probes: 0,
  failedProbes: 0,
  notSent: 0,
  deferred: 0,
  skipped: {},
  panic: false,
  failedPercent: 0,
  deregistered: [],
  reregistered: [],
  promoted: [],
  stopped: [],
  held: [],
  recordsWritten: 0,
  syncFailures: [],
});

const probeKey = (p: PlannedProbe) => `${p.ip}|${p.port}|${p.check.kind === 'http' ? p.check.path : 'tcp'}|${p.timeoutMs}`;

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Runs the probes in random order (fair when a run is cut short), never starting one that could outlive the
 * deadline. A prober that throws instead of answering did not probe: its result is marked notSent.
 */
export async function runProbes(
  probes: PlannedProbe[],
  prober: Prober,
  options: { concurrency: number; deadline: number },
): Promise<{ results: Map<PlannedProbe, ProbeResult>; deferred: PlannedProbe[] }> {
  const limit = pLimit(options.concurrency);
  const shared = new Map<string, Promise<ProbeResult | undefined>>();
  const results = new Map<PlannedProbe, ProbeResult>();
  const deferred: PlannedProbe[] = [];
  await Promise.all(
    shuffled(probes).map(async (probe) => {
      const key = probeKey(probe);
      let pending = shared.get(key);
      if (!pending) {
        pending = limit(async () => {
          if (Date.now() + probe.timeoutMs > options.deadline) return undefined;
          const started = Date.now();
          try {
            return await prober(probe);
          } catch (error) {
            const result = `not sent: prober failed: ${(error as Error)?.message ?? String(error)}`;
            return { ok: false, result, durationMs: Date.now() - started, notSent: true } as ProbeResult;
          }
        });
        shared.set(key, pending);
      }
      const result = await pending;
      if (result) results.set(probe, result);
      else deferred.push(probe);
    }),
  );
  return { results, deferred };
}

async function describeTargets(tasks: TaskState[], log: Logger, deadline: number): Promise<Map<string, TaskEvent>> {
  const byCluster = new Map<string, TaskState[]>();
  for (const t of tasks) (byCluster.get(t.clusterArn) ?? byCluster.set(t.clusterArn, []).get(t.clusterArn)!).push(t);
  const described = new Map<string, TaskEvent>();
  await Promise.all(
    [...byCluster].map(async ([cluster, states]) => {
      const byArn = new Map(states.map((s) => [s.taskArn, s]));
      const { tasks: found, failed, unanswered } = await describeTasks(cluster, [...byArn.keys()], { deadline });
      for (const f of failed) log.warn('DescribeTasks failed for a task; not probed this run', { ...f });
      // Unknown is not gone: such tasks are neither probed nor changed (the reconciler settles missing ones).
      for (const arn of unanswered) log.warn('DescribeTasks did not answer for a task; not probed this run', { taskArn: arn });
      if (unanswered.length > 0) countMetric('TasksUnanswered', unanswered.length);
      for (const task of found) {
        if (!task.taskArn || !byArn.has(task.taskArn)) continue;
        try {
          described.set(task.taskArn, snapshotEvent(task, byArn.get(task.taskArn), 'health-check'));
        } catch (error) {
          log.warn('DescribeTasks returned a task the registrar would reject; not probed', {
            taskArn: task.taskArn,
            error: (error as Error).message,
          });
        }
      }
    }),
  );
  return described;
}

function outcomesByTask(results: Map<PlannedProbe, ProbeResult>): Map<string, TaskRunOutcome> {
  const byTask = new Map<string, TaskRunOutcome>();
  for (const [probe, result] of results) {
    const seen = byTask.get(probe.taskArn);
    const summary = `${probe.description} -> ${result.result}`;
    const outcome: TaskRunOutcome = seen ?? { ok: true, summary, intervalKeys: [] };
    if (probe.hasInterval) outcome.intervalKeys.push(probe.endpointKey);
    if (!result.ok && outcome.ok) {
      outcome.ok = false;
      outcome.summary = summary;
    }
    byTask.set(probe.taskArn, outcome);
  }
  for (const outcome of byTask.values()) outcome.intervalKeys.sort();
  return byTask;
}

export async function runHealthCheck(deps: HealthCheckerDeps, deadline: number): Promise<HealthRunReport> {
  const { config, health: settings, store, backend } = deps;
  const log = deps.log ?? rootLogger;
  const clock = deps.now ?? Date.now;
  const startedAt = Date.now();
  // `now` is the time the rules see (grace periods, intervals); deadlines are always wall-clock.
  const runStartedAt = clock();
  const policy: HealthPolicy = { ...settings };
  const report = emptyReport();

  // 1. Targets: registered and pending tasks of clusters in scope, with their health records.
  const snapshot = await scanHealthTargets(config.stateTableName, undefined, undefined, deadline);
  const states = snapshot.tasks.filter((t) => clusterInScope(config, t.clusterArn));
  report.tasks = states.length;
  if (states.length === 0) return report;

  // 2. What ECS says now: running? which address? container health?
  const ecs = await describeTargets(states, log, deadline);
  const targets: TargetTask[] = states.map((state) => ({
    state,
    ecs: ecs.get(state.taskArn),
    health: snapshot.health.get(state.taskArn),
  }));

  // 3. Probe.
  const plan = planProbes(targets, {
    defaultPath: settings.defaultPath,
    defaultTimeoutMs: settings.defaultTimeoutMs,
    runStartedAt,
  });
  for (const s of plan.skipped) report.skipped[s.reason] = (report.skipped[s.reason] ?? 0) + 1;
  const remaining = deadline - Date.now();
  const reserve = Math.min(deps.applyReserveMs ?? 20_000, Math.max(0, remaining * 0.4));
  const { results, deferred } = await runProbes(plan.probes, deps.prober ?? createProber(settings.healthyStatus), {
    concurrency: settings.concurrency,
    deadline: deadline - reserve,
  });
  // A probe that could not be sent is no evidence about its task: it leaves the task's record and panic alone.
  const notSent = [...results].filter(([, r]) => r.notSent);
  for (const [probe] of notSent) results.delete(probe);
  report.notSent = notSent.length;
  if (notSent.length > 0) {
    countMetric('ProbesNotSent', notSent.length);
    log.warn('Some probes could not be sent; they count neither for nor against their tasks', {
      notSent: notSent.length,
      examples: notSent.slice(0, 5).map(([p, r]) => ({ taskArn: p.taskArn, check: p.description, result: r.result })),
    });
  }
  report.probes = results.size;
  report.failedProbes = [...results.values()].filter((r) => !r.ok).length;
  report.deferred = deferred.length;
  if (deferred.length > 0) {
    countMetric('ProbesDeferred', deferred.length);
    log.warn('Out of time: some endpoints were not probed this run; they are probed next run', {
      deferred: deferred.length,
    });
  }
  countMetric('ProbesRun', results.size);
  countMetric('ProbeFailures', report.failedProbes);

  // 4. Panic: judge only probes of tasks past their grace period.
  const now = clock();
  const graceActive = new Map(
    targets.map((t) => [t.state.taskArn, inGrace(t.state, t.health, policy, now)] as const),
  );
  const counted = [...results].filter(([probe]) => !graceActive.get(probe.taskArn)).map(([, r]) => r);
  const panic = evaluatePanic(counted, policy);
  report.panic = panic.panic;
  report.failedPercent = Math.round(panic.failedPercent * 10) / 10;
  if (panic.tooFewProbes) {
    log.warn('Most probes failed, but too few were counted for panic mode; the rules apply as usual', {
      failed: panic.failed,
      probed: panic.total,
      panicMinProbes: policy.panicMinProbes,
    });
  }
  if (panic.panic) {
    countMetric('HealthCheckPanic');
    log.critical(
      'HEALTH CHECK PANIC: too many probes failed at once; assuming the checker is cut off (security group, route) ' +
        'and changing nothing this run',
      {
        failed: panic.failed,
        probed: panic.total,
        failedPercent: report.failedPercent,
        panicThreshold: policy.panicThreshold,
        panicMinProbes: policy.panicMinProbes,
      },
    );
  }

  // 5. Health records (unchanged in panic).
  const outcomes = outcomesByTask(results);
  const nextHealth = new Map<string, HealthRecord>();
  const changed: HealthRecord[] = [];
  for (const t of targets) {
    const previous = t.health ?? freshHealthRecord(t.state.taskArn, runStartedAt, policy.recordTtlSeconds);
    if (panic.panic) {
      nextHealth.set(t.state.taskArn, previous);
      continue;
    }
    const next = nextHealthRecord(previous, outcomes.get(t.state.taskArn), {
      graceActive: graceActive.get(t.state.taskArn) ?? false,
      runStartedAt,
      now,
      policy,
    });
    if (healthRecordChanged(t.health, next, now, policy.recordTtlSeconds, !t.state.startedAt)) {
      next.expiresAt = Math.floor(now / 1000) + policy.recordTtlSeconds;
      changed.push(next);
    }
    nextHealth.set(t.state.taskArn, next);
    if (next.verdict !== previous.verdict) {
      log.info(next.verdict === 'unhealthy' ? 'Task turned unhealthy' : 'Task turned healthy', {
        taskArn: t.state.taskArn,
        serviceName: t.state.serviceName,
        lastResult: next.lastResult,
      });
    }
  }
  if (changed.length > 0) {
    await putHealthRecords(config.stateTableName, changed, { deadline });
    report.recordsWritten = changed.length;
  }

  // 6. Registration: deregister unhealthy tasks, register pending ones that are ready. In panic only promotions of
  //    tasks ECS itself reports HEALTHY go ahead: they do not depend on our probes.
  const finalState = new Map(targets.map((t) => [t.state.taskArn, t.state]));
  const requests: SyncRequest[] = [];
  const acted: { taskArn: string; action: 'deregister' | 'promote'; names: string[]; wasUnhealthy: boolean }[] = [];
  const limit = pLimit(8);
  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        if (!isRunningInEcs(t.ecs)) return;
        const ecs = t.ecs;
        const healthNow = nextHealth.get(t.state.taskArn);
        try {
          // Compare-and-swap on the task state; when the registrar wrote meanwhile, judge its state instead (util/retry).
          const change = await withRetries(
            async (attempt) => {
              const state = attempt === 1 ? t.state : await store.get(t.state.taskArn, { deadline });
              if (!state) return undefined;
              const action = registrationAction(state, ecs, healthNow);
              if (!action || (panic.panic && action !== 'promote')) return undefined;
              const proposed = action === 'deregister' ? deregisteredState(state, new Date(now)) : promotedState(state, new Date(now));
              return { state, action, written: await store.replace(state, proposed, { deadline }) };
            },
            { isRetryable: (error) => error instanceof StaleStateError, maxAttempts: 3, baseDelayMs: 20, deadline },
          );
          if (!change) return;
          const { state, action, written } = change;
          finalState.set(state.taskArn, written);
          const taskRequests = syncRequestsFor(state, written);
          requests.push(...taskRequests);
          acted.push({
            taskArn: state.taskArn,
            action,
            names: taskRequests.map((r) => r.serviceName),
            wasUnhealthy: t.health?.verdict === 'unhealthy',
          });
        } catch (error) {
          // Out of time before the write: judged again next run, like a deferred probe.
          if (isDeadlineExceeded(error)) return;
          if (!(error instanceof StaleStateError)) throw error;
          log.warn('Task state kept changing under the health checker; its registration is judged again next run', {
            taskArn: t.state.taskArn,
            serviceName: t.state.serviceName,
          });
        }
      }),
    ),
  );
  // Always drained, even without changes of this run's own: leftovers of a writer that died are drained here too.
  // The checker waits a little for the zone's lease, so it knows the outcome of its deregistrations.
  let outcomesByName = new Map<string, SyncOutcome>();
  let dirty: Set<string> | 'unknown' = 'unknown';
  try {
    outcomesByName = await backend.sync(requests, { deadline, waitForLeaseMs: 20_000 });
    dirty = (await backend.pendingNames?.(deadline)) ?? new Set<string>();
  } catch (error) {
    // Out of time (or the state table failed): the names stay marked; no stop this run (see below).
    if (!isDeadlineExceeded(error)) throw error;
    for (const r of requests) outcomesByName.set(r.serviceName, { status: 'deferred', reason: (error as Error).message });
  }
  for (const [serviceName, outcome] of outcomesByName) {
    // `deferred`: marked, and the zone's writer applies it; the task is not stopped until its names are clean.
    if (outcome.status !== 'ok' && outcome.status !== 'deferred') {
      report.syncFailures.push({ serviceName, reason: outcome.reason });
    }
  }
  if (report.syncFailures.length > 0) {
    countMetric('HealthSyncFailures', report.syncFailures.length);
    log.error('Directory sync failed after a health change; the reconciler repairs it', {
      failures: report.syncFailures,
    });
  }
  const synced = (names: string[]) => names.every((n) => (outcomesByName.get(n)?.status ?? 'ok') === 'ok');
  const deregisteredOk = new Set<string>();
  const deregisteredNow = new Set(acted.filter((a) => a.action === 'deregister').map((a) => a.taskArn));
  for (const a of acted) {
    const state = finalState.get(a.taskArn) as TaskState;
    const fields = { taskArn: a.taskArn, serviceName: state.serviceName, names: a.names, synced: synced(a.names) };
    if (a.action === 'deregister') {
      report.deregistered.push(a.taskArn);
      if (fields.synced) deregisteredOk.add(a.taskArn);
      log.warn('Deregistered unhealthy task', { ...fields, lastResult: nextHealth.get(a.taskArn)?.lastResult });
    } else if (a.wasUnhealthy) {
      report.reregistered.push(a.taskArn);
      log.info('Re-registered task that passed its health checks again', fields);
    } else {
      report.promoted.push(a.taskArn);
      log.info('Registered pending task: ECS reports its containers HEALTHY', fields);
    }
  }
  countMetric('TasksDeregisteredUnhealthy', report.deregistered.length);
  countMetric('TasksReregistered', report.reregistered.length);
  countMetric('TasksPromoted', report.promoted.length);

  // 7. Stops, with brakes.
  if (!panic.panic && settings.stopUnhealthyTasks) {
    const counts = new Map<string, ServiceCounts>();
    const candidates: StopCandidate[] = [];
    for (const t of targets) {
      if (!isRunningInEcs(t.ecs)) continue;
      const group = stopGroupOf(t.state, t.ecs);
      const count = counts.get(group) ?? counts.set(group, { running: 0, healthy: 0 }).get(group)!;
      count.running++;
      const state = finalState.get(t.state.taskArn) as TaskState;
      const record = nextHealth.get(t.state.taskArn) as HealthRecord;
      if (record.verdict === 'healthy' && state.status === 'REGISTERED') count.healthy++;
      // Out of DNS: no name registered, and none of its names still waiting for the zone writer.
      const outOfDns =
        state.registeredNames.length === 0 &&
        state.status !== 'REGISTERED' &&
        dirty !== 'unknown' &&
        (state.endpoints ?? []).every((e) => !dirty.has(e.name));
      const justDeregistered = deregisteredNow.has(t.state.taskArn);
      if (
        record.verdict === 'unhealthy' &&
        isServiceTask(t.state, t.ecs) &&
        outOfDns &&
        (!justDeregistered || deregisteredOk.has(t.state.taskArn))
      ) {
        candidates.push({
          taskArn: t.state.taskArn,
          clusterArn: t.state.clusterArn,
          group,
          unhealthySince: record.unhealthySince ?? now,
          reason: stopReason(record, policy),
        });
      }
    }
    const decision = selectStops(candidates, counts, policy.maxStopPercent);
    for (const { candidate, rule } of decision.held) {
      report.held.push({ taskArn: candidate.taskArn, rule });
      log.warn('Unhealthy task not stopped: brake applied', { taskArn: candidate.taskArn, rule });
    }
    const stopLimit = pLimit(4);
    await Promise.all(
      decision.stop.map((c) =>
        stopLimit(async () => {
          if (Date.now() >= deadline) return;
          try {
            await stopTask(c.clusterArn, c.taskArn, c.reason);
            report.stopped.push({ taskArn: c.taskArn, reason: c.reason });
            log.warn('Stopped unhealthy task', { taskArn: c.taskArn, reason: c.reason });
          } catch (error) {
            log.error('StopTask failed; retried next run', { taskArn: c.taskArn, error: error as Error });
          }
        }),
      ),
    );
    countMetric('TasksStopped', report.stopped.length);
    countMetric('StopsHeld', report.held.length);
  }

  log.info('Health check run finished', {
    tasks: report.tasks,
    probes: report.probes,
    failedProbes: report.failedProbes,
    notSent: report.notSent,
    deferred: report.deferred,
    skipped: report.skipped,
    panic: report.panic,
    deregistered: report.deregistered.length,
    reregistered: report.reregistered.length,
    promoted: report.promoted.length,
    stopped: report.stopped.length,
    held: report.held.length,
    durationMs: Date.now() - startedAt,
  });
  return report;
}

/** The scheduled handler: one run at a time (run lease), bounded by the Lambda's remaining time. */
export function createHealthChecker(deps: HealthCheckerDeps) {
  return exclusiveScheduledHandler<HealthRunReport>({
    tableName: deps.config.stateTableName,
    leaseName: deps.leaseName ?? 'health-checker',
    defaultRemainingMs: 60_000,
    safetyMarginMs: deps.safetyMarginMs ?? 3000,
    log: deps.log ?? rootLogger,
    run: (deadline) => runHealthCheck(deps, deadline),
    skipped: (notRun) => ({ ...emptyReport(), notRun }),
  });
}
