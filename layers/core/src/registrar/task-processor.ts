// Moves one task's state forward from an event (or from a DescribeTasks snapshot shaped as one) and says which
// service names must be synced. Shared by the task registrar and the reconciler.
//
// Host address lookups (bridge/host tasks) are classified in resolve/host-addresses.ts: a transient failure throws
// (HostLookupError or the SDK's error: the registrar's message is retried, the reconciler tries again next run); a
// permanent one (container instance or EC2 instance gone, no address, access denied) resolves the task's ports as
// unresolved, so the task is stored UNRESOLVED with one ERROR line and the HostLookupFailures metric, and the
// message is consumed instead of failing on every delivery until it reaches the DLQ. The reconciler retries it.
import type { Logger } from '@aws-lambda-powertools/logger';
import { countMetric } from '../observability';
import { isStopping, type TaskEvent } from '../parse/task-event';
import { resolveEndpoints, type HostResolution, type ResolvedEndpoints } from '../resolve/endpoints';
import { carriesServiceMetadata, serviceMetadata } from '../parse/metadata';
import type { NamingContext } from '../naming/names';
import { withRetries } from '../util/retry';
import { describeTaskDefinition } from '../resolve/task-definitions';
import { hostAddresses, type HostLookup } from '../resolve/host-addresses';
import { StaleStateError, type TaskState, type TaskStateStore } from '../state/task-state';
import type { SyncRequest } from '../backends/backend';
import { judgeVersion, nextTaskState, replayRequestsFor, sameOutcome, syncRequestsFor } from './task-transition';

/** A host lookup that may succeed when retried (ECS did not answer for the container instance). */
export class HostLookupError extends Error {
  constructor(readonly containerInstanceArn: string, reason: string) {
    super(`Host address lookup for ${containerInstanceArn} failed: ${reason}; retried later`);
    this.name = 'HostLookupError';
  }
}

function hostOf(lookup: HostLookup | undefined, arn: string): HostResolution | undefined {
  const address = lookup?.addresses.get(arn);
  if (address) return { address };
  const problem = lookup?.unresolvable.get(arn);
  return problem ? { problem: `container instance ${arn}: ${problem}` } : undefined;
}

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

  /**
   * The task's endpoints. bridge/host tasks need their host: taken from `hosts` (a batched lookup) when it answers
   * for the container instance, else looked up alone.
   * @throws HostLookupError or the SDK's error when the host lookup failed transiently
   */
  async resolve(
    event: TaskEvent,
    hosts?: HostLookup,
    deadline?: number,
  ): Promise<ResolvedEndpoints & { host?: HostResolution }> {
    const taskDefinition = await describeTaskDefinition(event.taskDefinitionArn, deadline);
    let host: HostResolution | undefined;
    if (taskDefinition.networkMode !== 'awsvpc') {
      const arn = event.containerInstanceArn;
      if (!arn) host = { problem: 'the event names no container instance' };
      else {
        host = hostOf(hosts, arn) ?? hostOf(await hostAddresses([{ clusterArn: event.clusterArn, containerInstanceArn: arn }], deadline), arn);
        if (!host) throw new HostLookupError(arn, 'ECS neither described the container instance nor reported it missing');
      }
    }
    return { ...resolveEndpoints(event, taskDefinition, host, this.options.naming), host };
  }

  /** True when any container port of the task carries SERVICE_* metadata (valid or not). */
  async carriesMetadata(event: TaskEvent, deadline?: number): Promise<boolean> {
    const taskDefinition = await describeTaskDefinition(event.taskDefinitionArn, deadline);
    return carriesServiceMetadata(
      serviceMetadata(taskDefinition.containerDefinitions ?? [], event.environmentOverrides, this.options.naming),
    );
  }

  /**
   * Retries (util/retry) when a concurrent writer changed the task's state between our read and write.
   * @param deadline epoch ms: no AWS call starts after it and one in flight is aborted (DeadlineExceededError)
   */
  transition(
    event: TaskEvent,
    log: Logger,
    hosts?: HostLookup,
    deadline?: number,
  ): Promise<{ result: TransitionResult; requests: SyncRequest[] }> {
    return withRetries(() => this.transitionOnce(event, log, hosts, deadline), {
      isRetryable: (error) => error instanceof StaleStateError,
      maxAttempts: 5,
      baseDelayMs: 20,
      deadline,
    });
  }

  private async transitionOnce(
    event: TaskEvent,
    log: Logger,
    hosts: HostLookup | undefined,
    deadline: number | undefined,
  ): Promise<{ result: TransitionResult; requests: SyncRequest[] }> {
    const { store } = this.options;
    for (const warning of event.fieldWarnings ?? []) {
      countMetric('InvalidEventFields');
      log.warn('Ignored an invalid field of the task event', { field: warning.split(':')[0], warning });
    }
    const previous = await store.get(event.taskArn, { deadline });
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
    if (!previous && !(await this.carriesMetadata(event, deadline))) {
      countMetric('TasksWithoutMetadata');
      log.info('Ignored task: no SERVICE_<port>_NAME / SERVICE_NAME metadata', {
        taskDefinitionArn: event.taskDefinitionArn,
        lastStatus: event.lastStatus,
      });
      return { result: { ...base, verdict: 'no-metadata', serviceNames: [] }, requests: [] };
    }
    const needsEndpoints = event.lastStatus === 'RUNNING' && !isStopping(event);
    const resolved = needsEndpoints ? await this.resolve(event, hosts, deadline) : undefined;
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
    if (resolved?.host?.problem && resolved.unresolved.length > 0) {
      countMetric('HostLookupFailures');
      log.error('Host address lookup failed permanently; the task stays unresolved and the reconciler retries it', {
        containerInstanceArn: event.containerInstanceArn,
        reason: resolved.host.problem,
      });
    }
    const now = this.options.now?.() ?? new Date();
    const next = nextTaskState(previous, event, resolved, now, this.options.tombstoneTtlSeconds);
    if (next.unresolved?.length) {
      countMetric('UnresolvedEndpoints', next.unresolved.length);
      log.warn('Endpoints cannot be resolved yet; the task is re-resolved by its next event and by the reconciler', {
        status: next.status,
        unresolved: next.unresolved,
      });
    }
    if (previous && previous.version === event.version && sameOutcome(previous, next)) {
      // A re-resolution (same version) that found nothing new: no write, re-sync what the state implies.
      const requests = replayRequestsFor(previous);
      return { result: { ...base, verdict: 'replay', status: previous.status, serviceNames: requests.map((r) => r.serviceName) }, requests };
    }
    await store.replace(previous, next, { deadline, eventTime: event.eventTime });
    // A task's settings never change: report invalid check settings once, at the first transition that read its
    // metadata (after the write, so a retried transition does not report twice). Every status but STARTING (and
    // no state) says the metadata was read already.
    if (!previous || previous.status === 'STARTING') {
      for (const problem of resolved?.checkProblems ?? []) {
        countMetric('InvalidCheckSettings');
        log.warn(`Invalid health-check setting ${problem.field} ignored; that part of the endpoint's check uses the default`, {
          ...problem,
          value: problem.value.slice(0, 200),
        });
      }
    }
    const requests = syncRequestsFor(previous, next);
    // Metrics TasksRegistered / TasksDeregistered: a task's first name in the directory, and its last one gone.
    const wasRegistered = (previous?.registeredNames.length ?? 0) > 0;
    if (!wasRegistered && next.registeredNames.length > 0) countMetric('TasksRegistered');
    if (wasRegistered && next.registeredNames.length === 0) countMetric('TasksDeregistered');
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
