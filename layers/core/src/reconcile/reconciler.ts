// Reconciler: ECS is the truth. Each run compares ECS, the state table and the zone, and repairs drift through
// the registrar's own path (TaskProcessor transitions, then DirectoryBackend.sync):
//
//   MissedStart     a RUNNING task with metadata but no state, still STARTING, or with endpoints that could not be
//                   resolved yet (UNRESOLVED, or some ports unresolved): registered as the event would have
//   MissedStop      state for a task ECS no longer runs (stopped, MISSING, cluster deleted): tombstoned, records removed
//   MissingRecords  state says registered, the zone lacks (or holds other) records: re-synced
//   OrphanRecords   owned records that no state explains: removed
//
// Order matters for safety: the state table is read before ECS is listed, so a task that starts meanwhile is never
// mistaken for a stopped one; a task missing from ListTasks is confirmed with DescribeTasks before it is stopped
// (only STOPPED, a MISSING failure or a deleted cluster is proof: a task DescribeTasks leaves out of its answer is
// unknown and left alone this run, logged and counted as TasksUnanswered); and the zone is compared last, only to
// nominate names, since every sync re-reads records and members itself.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Task } from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import { clusterInScope, type Config } from '../config';
import { countMetric, logger as rootLogger, metrics, MetricUnit } from '../observability';
import { isStopping, type TaskEvent } from '../parse/task-event';
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';
import { TaskProcessor } from '../registrar/task-processor';
import { needsResolution } from '../registrar/task-transition';
import { hostAddresses } from '../resolve/host-addresses';
import type { TaskState, TaskStateStore } from '../state/task-state';
import { scanTasksAndMembers } from '../state/state-scan';
import { exclusiveScheduledHandler, type SkippedRun } from '../state/run-lease';
import { describeTasks, isClusterNotFound, listClusterArns, listRunningTaskArns } from '../ecs/tasks';
import { missingTaskStopEvent, snapshotEvent } from '../ecs/snapshot';
import { isDeadlineExceeded } from '../util/deadline';
import { findZoneDrift, type DriftKind, type ZoneSet } from './zone-drift';

export interface ReconcilerDeps {
  config: Config;
  store: TaskStateStore;
  backend: DirectoryBackend;
  /** every record set of the zone (Route 53: listAllRecordSets) */
  listRecords: (deadline: number) => Promise<ZoneSet[]>;
  now?: () => Date;
  safetyMarginMs?: number;
  /** the run lease the handler holds while it runs (state/run-lease.ts); default "reconciler" */
  leaseName?: string;
  log?: Logger;
}

export interface Repair {
  kind: DriftKind;
  taskArn?: string;
  serviceName?: string;
  detail?: string;
}

export interface ReconcileReport {
  clusters: number;
  runningTasks: number;
  repairs: Repair[];
  counts: Record<DriftKind, number>;
  /** names whose sync did not succeed (conflicts with foreign records, throttling): left for the next run */
  unresolved: { serviceName: string; status: string; reason: string }[];
  errors: { scope: string; error: string }[];
  /** task ARNs DescribeTasks neither described nor reported missing, or reported another failure for: left alone */
  unanswered: string[];
  /** false when the run stopped early (time) or a cluster could not be listed */
  complete: boolean;
  /** set when the handler did nothing because another run held the run lease */
  notRun?: SkippedRun;
}

const KINDS: DriftKind[] = ['MissedStart', 'MissedStop', 'MissingRecords', 'OrphanRecords'];

const emptyReport = (): ReconcileReport => ({
  clusters: 0,
  runningTasks: 0,
  repairs: [],
  counts: { MissedStart: 0, MissedStop: 0, MissingRecords: 0, OrphanRecords: 0 },
  unresolved: [],
  errors: [],
  unanswered: [],
  complete: true,
});

interface ClusterView {
  cluster: string;
  listed: Set<string>;
  running: Task[];
  /** listed, but DescribeTasks did not describe them */
  unanswered: string[];
}

async function viewCluster(cluster: string, deadline: number): Promise<ClusterView> {
  let arns: string[];
  try {
    arns = await listRunningTaskArns(cluster, deadline);
  } catch (error) {
    if (!isClusterNotFound(error)) throw error;
    arns = [];
  }
  const described = arns.length > 0 ? await describeTasks(cluster, arns, { deadline }) : undefined;
  const running = (described?.tasks ?? []).filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING');
  const unanswered = described ? [...described.unanswered, ...described.failed.map((f) => f.arn)] : [];
  return { cluster, listed: new Set(arns), running, unanswered };
}

export async function runReconcile(deps: ReconcilerDeps, deadline: number): Promise<ReconcileReport> {
  const { config, store, backend } = deps;
  const log = deps.log ?? rootLogger;
  const now = deps.now ?? (() => new Date());
  const processor = new TaskProcessor({ store, tombstoneTtlSeconds: config.tombstoneTtlSeconds, naming: config, now });
  const report = emptyReport();
  const outOfTime = () => Date.now() >= deadline;

  // 1. State first (see the header), then ECS.
  const snapshot = await scanTasksAndMembers(config.stateTableName, undefined, deadline);
  const stored = new Map(snapshot.tasks.map((t) => [t.taskArn, t]));

  const clusters = config.clusterArns.length > 0 ? config.clusterArns : await listClusterArns(deadline);
  report.clusters = clusters.length;
  const views: ClusterView[] = [];
  const failedClusters: string[] = [];
  const clusterLimit = pLimit(3);
  await Promise.all(
    clusters.map((cluster) =>
      clusterLimit(async () => {
        try {
          views.push(await viewCluster(cluster, deadline));
        } catch (error) {
          failedClusters.push(cluster);
          report.errors.push({ scope: cluster, error: (error as Error).message });
          log.error('Could not list the tasks of a cluster; its tasks are left alone this run', {
            cluster,
            error: error as Error,
          });
        }
      }),
    ),
  );
  if (failedClusters.length > 0) report.complete = false;
  const listed = new Set(views.flatMap((v) => [...v.listed]));
  const running = views.flatMap((v) => v.running);
  report.runningTasks = running.length;
  report.unanswered.push(...views.flatMap((v) => v.unanswered));

  // 2. Events to replay through the registrar's processor.
  const events: { event: TaskEvent; kind: DriftKind }[] = [];
  const bridgeHosts: { clusterArn: string; containerInstanceArn: string }[] = [];
  const startCandidates: TaskEvent[] = [];
  for (const task of running) {
    const previous = task.taskArn ? stored.get(task.taskArn) : undefined;
    if (previous && previous.status !== 'STARTING' && !needsResolution(previous)) continue;
    try {
      const event = snapshotEvent(task, previous, 'reconcile');
      if (!clusterInScope(config, event.clusterArn)) continue;
      startCandidates.push(event);
      if (event.containerInstanceArn) {
        bridgeHosts.push({ clusterArn: event.clusterArn, containerInstanceArn: event.containerInstanceArn });
      }
    } catch (error) {
      report.errors.push({ scope: task.taskArn ?? 'task', error: (error as Error).message });
    }
  }
  // Throws only transient errors (resolve/host-addresses.ts); then each task looks its host up alone in its transition.
  const hosts = bridgeHosts.length > 0 ? await hostAddresses(bridgeHosts, deadline).catch(() => undefined) : undefined;
  const metadataLimit = pLimit(8);
  await Promise.all(
    startCandidates.map((event) =>
      metadataLimit(async () => {
        if (outOfTime()) {
          report.complete = false;
          return;
        }
        try {
          // Tasks without metadata are not ours: skip them quietly (every run would otherwise log each one).
          if (!stored.has(event.taskArn) && !(await processor.carriesMetadata(event))) return;
          events.push({ event, kind: 'MissedStart' });
        } catch (error) {
          report.errors.push({ scope: event.taskArn, error: (error as Error).message });
        }
      }),
    ),
  );

  const gone = snapshot.tasks.filter(
    (t) =>
      t.status !== 'STOPPED' &&
      clusterInScope(config, t.clusterArn) &&
      !listed.has(t.taskArn) &&
      !failedClusters.some((c) => clusterInScope({ clusterArns: [c] }, t.clusterArn)),
  );
  const goneByCluster = new Map<string, TaskState[]>();
  for (const t of gone) (goneByCluster.get(t.clusterArn) ?? goneByCluster.set(t.clusterArn, []).get(t.clusterArn)!).push(t);
  await Promise.all(
    [...goneByCluster].map(async ([cluster, states]) => {
      try {
        const described = await describeTasks(cluster, states.map((s) => s.taskArn), { deadline });
        const byArn = new Map(described.tasks.map((t) => [t.taskArn, t]));
        const missing = new Set(described.missing);
        for (const state of states) {
          const task = byArn.get(state.taskArn);
          if (task) {
            const event = snapshotEvent(task, state, 'reconcile');
            if (isStopping(event)) events.push({ event, kind: 'MissedStop' });
          } else if (missing.has(state.taskArn)) {
            events.push({ event: missingTaskStopEvent(state, 'reconcile'), kind: 'MissedStop' });
          }
        }
        report.unanswered.push(...described.unanswered, ...described.failed.map((f) => f.arn));
      } catch (error) {
        report.errors.push({ scope: cluster, error: (error as Error).message });
      }
    }),
  );

  if (report.unanswered.length > 0) {
    countMetric('TasksUnanswered', report.unanswered.length);
    log.warn('DescribeTasks did not answer for some tasks; they are left alone this run', {
      count: report.unanswered.length,
      taskArns: report.unanswered.slice(0, 20),
    });
  }

  // 3. Transitions, then one sync for every name they touched.
  const requests: SyncRequest[] = [];
  const pendingRepairs: { repair: Repair; names: string[] }[] = [];
  const transitionLimit = pLimit(8);
  await Promise.all(
    events.map(({ event, kind }) =>
      transitionLimit(async () => {
        if (outOfTime()) {
          report.complete = false;
          return;
        }
        const taskLog = log.createChild({
          persistentKeys: { correlation_id: event.eventId, taskArn: event.taskArn, serviceName: event.serviceName },
        });
        try {
          const { result, requests: taskRequests } = await processor.transition(event, taskLog, hosts, deadline);
          requests.push(...taskRequests);
          if (result.verdict === 'apply') {
            pendingRepairs.push({
              repair: { kind, taskArn: event.taskArn, serviceName: event.serviceName, detail: `now ${result.status}` },
              names: taskRequests.map((r) => r.serviceName),
            });
          }
        } catch (error) {
          report.errors.push({ scope: event.taskArn, error: (error as Error).message });
          taskLog.error('Reconciler could not apply a task repair', { error: error as Error });
        }
      }),
    ),
  );
  const touched = new Set(requests.map((r) => r.serviceName));
  // Always drained (leftovers of a writer that died are drained here too), waiting a little for the zone's lease so
  // the run knows which repairs it made.
  let taskOutcomes = new Map<string, SyncOutcome>();
  try {
    taskOutcomes = await backend.sync(requests, { deadline, waitForLeaseMs: 30_000 });
  } catch (error) {
    // Out of time: the transitions' names stay marked in the state table; the next drain syncs them.
    if (!isDeadlineExceeded(error)) throw error;
    report.complete = false;
  }
  noteUnresolved(report, taskOutcomes);
  for (const { repair } of pendingRepairs) report.repairs.push(repair);

  // 4. The zone against the state: records that are missing, or that no state explains.
  if (outOfTime()) report.complete = false;
  else {
    const zone = await deps.listRecords(deadline);
    const drifts = findZoneDrift({
      zone,
      members: snapshot.members,
      naming: {
        zoneName: config.zoneName,
        srvNameFormat: config.srvNameFormat,
        ttl: config.recordTtl,
        hostAddressRecords: config.hostAddressRecords,
      },
      ownerId: config.ownerId,
      exclude: touched,
    });
    if (drifts.length > 0) {
      const outcomes = await backend.sync(
        drifts.map((d) => ({ serviceName: d.serviceName, touchedTasks: d.touchedTasks })),
        { deadline, waitForLeaseMs: 30_000 },
      );
      noteUnresolved(report, outcomes);
      for (const drift of drifts) {
        const outcome = outcomes.get(drift.serviceName);
        if (outcome?.status !== 'ok' || !outcome.changed) continue;
        for (const kind of drift.kinds) {
          report.repairs.push({ kind, serviceName: drift.serviceName, detail: drift.details.join(', ') });
        }
      }
    }
  }

  // 5. Report: repairs should be zero; anything else is worth an alarm.
  for (const repair of report.repairs) {
    report.counts[repair.kind]++;
    log.warn('Drift repaired', { ...repair });
  }
  const total = report.repairs.length;
  countMetric('DriftRepaired', total);
  for (const kind of KINDS) {
    if (report.counts[kind] === 0) continue;
    const single = metrics.singleMetric();
    single.addDimension('Kind', kind);
    single.addMetric('DriftRepaired', MetricUnit.Count, report.counts[kind]);
  }
  if (report.errors.length > 0) countMetric('ReconcileErrors', report.errors.length);
  log.info('Reconcile run finished', {
    clusters: report.clusters,
    runningTasks: report.runningTasks,
    repairs: report.counts,
    unresolved: report.unresolved.length,
    errors: report.errors.length,
    complete: report.complete,
  });
  return report;
}

function noteUnresolved(report: ReconcileReport, outcomes: Map<string, SyncOutcome>): void {
  for (const [serviceName, outcome] of outcomes) {
    if (outcome.status !== 'ok') report.unresolved.push({ serviceName, status: outcome.status, reason: outcome.reason });
  }
}

/** The scheduled handler: one run at a time (run lease), bounded by the Lambda's remaining time. */
export function createReconciler(deps: ReconcilerDeps) {
  return exclusiveScheduledHandler<ReconcileReport>({
    tableName: deps.config.stateTableName,
    leaseName: deps.leaseName ?? 'reconciler',
    defaultRemainingMs: 300_000,
    safetyMarginMs: deps.safetyMarginMs ?? 5000,
    log: deps.log ?? rootLogger,
    run: (deadline) => runReconcile(deps, deadline),
    skipped: (notRun) => ({ ...emptyReport(), complete: false, notRun }),
  });
}
