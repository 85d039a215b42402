// Moves one task's state forward from an event (or from a DescribeTasks snapshot shaped as one) and says which
// service names must be synced. Shared by the task registrar and the reconciler.
import type { Logger } from '@aws-lambda-powertools/logger';
import { countMetric } from '../observability';
import { isStopping, type TaskEvent } from '../parse/task-event';
import { resolveEndpoints, type ResolvedEndpoints } from '../resolve/endpoints';
import { carriesServiceMetadata, serviceMetadata } from '../parse/metadata';
import type { NamingContext } from '../naming/names';
import { withRetries } from '../util/retry';
import { describeTaskDefinition } from '../resolve/task-definitions';
import { hostAddresses } from '../resolve/host-addresses';
import { StaleStateError, type TaskState, type TaskStateStore } from '../state/task-state';
import type { SyncRequest } from '../backends/backend';
import { judgeVersion, nextTaskState, replayRequestsFor, syncRequestsFor } from './task-transition';

export interface TransitionResult {
  taskArn: string;
  version: number;
  verdict: 'apply' | 'replay' | 'stale' | 'no-metadata';
  status?: string;
  serviceNames: string[];
}

export interface TaskProcessorOptions {
  store: TaskStateStore;
  tombstoneTtlSeconds: number;
  /** zone and SRV name format: a service name is accepted only when every record name made from it is valid */
  naming: NamingContext;
  now?: () => Date;
}

export class TaskProcessor {
  constructor(private readonly options: TaskProcessorOptions) {}

  async resolve(event: TaskEvent, hosts?: Map<string, string>): Promise<ResolvedEndpoints> {
    const taskDefinition = await describeTaskDefinition(event.taskDefinitionArn);
    let hostIp: string | undefined;
    if (taskDefinition.networkMode !== 'awsvpc' && event.containerInstanceArn) {
      const arn = event.containerInstanceArn;
      hostIp = hosts?.get(arn) ?? (await hostAddresses([{ clusterArn: event.clusterArn, containerInstanceArn: arn }])).get(arn);
    }
    return resolveEndpoints(event, taskDefinition, hostIp, this.options.naming);
  }

  /** True when any container port of the task carries SERVICE_* metadata (valid or not). */
  async carriesMetadata(event: TaskEvent): Promise<boolean> {
    const taskDefinition = await describeTaskDefinition(event.taskDefinitionArn);
    return carriesServiceMetadata(
      serviceMetadata(taskDefinition.containerDefinitions ?? [], event.environmentOverrides, this.options.naming),
    );
  }

  /** Retries (util/retry) when a concurrent writer changed the task's state between our read and write. */
  transition(
    event: TaskEvent,
    log: Logger,
    hosts?: Map<string, string>,
  ): Promise<{ result: TransitionResult; requests: SyncRequest[] }> {
    return withRetries(() => this.transitionOnce(event, log, hosts), {
      isRetryable: (error) => error instanceof StaleStateError,
      maxAttempts: 5,
      baseDelayMs: 20,
    });
  }

  private async transitionOnce(
    event: TaskEvent,
    log: Logger,
    hosts?: Map<string, string>,
  ): Promise<{ result: TransitionResult; requests: SyncRequest[] }> {
    const { store } = this.options;
    const previous = await store.get(event.taskArn);
    const verdict = judgeVersion(previous, event);
    const base = { taskArn: event.taskArn, version: event.version, verdict };
    if (verdict === 'stale') {
      countMetric('StaleEvents');
      log.info('Ignored event: a newer version was already applied', {
        eventVersion: event.version,
        storedVersion: previous?.version,
        storedStatus: previous?.status,
      });
      return { result: { ...base, status: previous?.status, serviceNames: [] }, requests: [] };
    }
    if (verdict === 'replay') {
      const requests = replayRequestsFor(previous as TaskState);
      return { result: { ...base, status: previous?.status, serviceNames: requests.map((r) => r.serviceName) }, requests };
    }
    // Tasks without metadata never get state: one cached task-definition lookup decides on their first event.
    if (!previous && !(await this.carriesMetadata(event))) {
      countMetric('TasksWithoutMetadata');
      log.info('Ignored task: no SERVICE_<port>_NAME / SERVICE_NAME metadata', {
        taskDefinitionArn: event.taskDefinitionArn,
        lastStatus: event.lastStatus,
      });
      return { result: { ...base, verdict: 'no-metadata', serviceNames: [] }, requests: [] };
    }
    const needsEndpoints = event.lastStatus === 'RUNNING' && !isStopping(event);
    const resolved = needsEndpoints ? await this.resolve(event, hosts) : undefined;
    for (const problem of resolved?.problems ?? []) {
      if (problem.field) {
        // A rejected name never becomes state or a record, so nothing resends it; a new task definition fixes it.
        countMetric('InvalidServiceNames');
        log.error(`Endpoint not registered: ${problem.field} rejected: ${problem.problem}`, { ...problem });
      } else {
        countMetric('RejectedEndpoints');
        log.error('Endpoint not registered', { ...problem });
      }
    }
    const now = this.options.now?.() ?? new Date();
    const next = nextTaskState(previous, event, resolved, now, this.options.tombstoneTtlSeconds);
    await store.replace(previous, next);
    // A task's settings never change: report invalid check settings once, when its endpoints are first resolved
    // (after the write, so a retried transition does not report twice).
    if (previous?.status !== 'PENDING_HEALTH' && previous?.status !== 'REGISTERED') {
      for (const problem of resolved?.checkProblems ?? []) {
        countMetric('InvalidCheckSettings');
        log.warn(`Invalid health-check setting ${problem.field} ignored; that part of the endpoint's check uses the default`, {
          ...problem,
          value: problem.value.slice(0, 200),
        });
      }
    }
    const requests = syncRequestsFor(previous, next);
    log.info('Task state changed', {
      from: previous?.status ?? 'UNKNOWN',
      to: next.status,
      version: next.version,
      serviceNames: requests.map((r) => r.serviceName),
      awaitingHealthOf: next.awaitingHealthOf,
    });
    return { result: { ...base, status: next.status, serviceNames: requests.map((r) => r.serviceName) }, requests };
  }
}
