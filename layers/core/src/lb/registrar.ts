// LB registrar: CloudTrail records of ECS CreateService / UpdateService / DeleteService (EventBridge invokes the
// function directly, asynchronously) -> the service's load balancer -> `<service>.<zone>` CNAME or alias A.
//
// Guards, each against its own failure:
//   errorCode check                                    failed API calls (responseElements null): ignored, logged
//   Powertools Idempotency (key: detail.eventID)       duplicate deliveries of one CloudTrail record, also concurrent
//   (eventTime, call) order in the state table         out-of-order events of one service
//   tombstone (DELETED state with a TTL)               a late CreateService resurrecting a deleted service
//   ownership marker at _owner.<service>.<zone>        foreign records (task records, hand-made) are never touched
//   DELETE+CREATE units, re-read on mismatch           concurrent writers to the same names
//   thrown errors on transient failures                Lambda retries the async event, then sends it to the
//                                                      on-failure destination (nothing vanishes)
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { clusterInScope, type Config } from '../config';
import { dynamoDbClient } from '../aws/clients';
import { withRetries } from '../util/retry';
import { invocationDeadline } from '../util/batching';
import { countMetric, instrumentHandler, logger } from '../observability';
import { parseCloudTrailServiceEvent, type ServiceChangeEvent } from '../parse/cloudtrail-event';
import { InvalidEventError } from '../parse/task-event';
import type { LbConfig } from './config';
import { resolveLoadBalancers, type ResolvedLoadBalancers } from './load-balancers';
import { chooseLoadBalancer, desiredLbRecord, lbNamesFor, type LbNames } from './plan';
import { LbRecordSync } from './records';
import { judgeLbEvent, nextLbState, StaleLbStateError, type LbResolution, type LbServiceState, type LbStateStore, type LbVerdict } from './state';

export class LbSyncFailedError extends Error {
  constructor(reason: string) {
    super(`Route 53 sync failed (${reason}); the event will be retried`);
    this.name = 'LbSyncFailedError';
  }
}

export interface LbRegistrarDeps {
  config: Config;
  lb: LbConfig;
  store: LbStateStore;
  /** ms kept in reserve before Lambda's timeout */
  safetyMarginMs?: number;
  now?: () => Date;
  /** replaceable for tests; the ELB API otherwise */
  resolve?: (event: ServiceChangeEvent, deadline?: number) => Promise<ResolvedLoadBalancers>;
}

export type LbEventResult =
  | { outcome: 'ignored'; reason: string }
  | {
      outcome: 'applied' | 'replayed' | 'stale' | 'conflict' | 'rejected';
      eventId: string;
      eventName: string;
      clusterArn: string;
      serviceName: string;
      name?: string;
      /** Route 53 changes made, as "ACTION TYPE name" */
      changes?: string[];
      reason?: string;
    };

type Prepared =
  | { kind: 'change'; event: ServiceChangeEvent; names: LbNames; log: Logger }
  | { kind: 'skip'; reason: string };

/** A record from the on-failure destination (`requestPayload` holds the original event), or the event itself. */
export function unwrapDestinationRecord(event: unknown): unknown {
  if (typeof event === 'object' && event !== null && 'requestPayload' in event && 'requestContext' in event) {
    return (event as { requestPayload: unknown }).requestPayload;
  }
  return event;
}

export function createLbRegistrar(deps: LbRegistrarDeps) {
  const { config, lb, store } = deps;
  const recordSync = new LbRecordSync({ config, store });
  const resolve =
    deps.resolve ?? ((event, deadline) => resolveLoadBalancers(event.loadBalancers ?? [], event.serviceArn, deadline));
  const persistenceStore = config.idempotencyTableName
    ? new DynamoDBPersistenceLayer({ tableName: config.idempotencyTableName, awsSdkV3Client: dynamoDbClient() })
    : undefined;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'detail.eventID',
    expiresAfterSeconds: config.idempotencyTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });

  function prepare(raw: unknown): Prepared {
    let parsed;
    try {
      parsed = parseCloudTrailServiceEvent(raw);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      countMetric('InvalidEvents');
      logger.error('Rejected event: not a CloudTrail record of ECS CreateService, UpdateService or DeleteService', {
        issues: error.issues,
      });
      return { kind: 'skip', reason: 'invalid event' };
    }
    if (parsed.kind === 'failed-call') {
      const { call } = parsed;
      countMetric('FailedApiCalls');
      logger.warn('Ignored event: the ECS API call failed, so nothing changed', { correlation_id: call.eventId, ...call });
      return { kind: 'skip', reason: `the API call failed (${call.errorCode})` };
    }
    const { event } = parsed;
    const log = logger.createChild({
      persistentKeys: {
        correlation_id: event.eventId,
        eventName: event.eventName,
        clusterArn: event.clusterArn,
        serviceName: event.serviceName,
      },
    });
    if (!clusterInScope(config, event.clusterArn)) {
      countMetric('OutOfScopeEvents');
      log.info('Ignored event: cluster is not in ClusterArns');
      return { kind: 'skip', reason: 'cluster not in scope' };
    }
    // Checked before any state or record: a rejected name is consumed (no retry), with one line and a metric.
    const checked = lbNamesFor(event.serviceName, config.zoneName);
    if (!checked.ok) {
      countMetric('InvalidServiceNames');
      log.error(`Service name rejected, no record written: ${checked.problem}`, { zoneName: config.zoneName });
      return { kind: 'skip', reason: `invalid service name: ${checked.problem}` };
    }
    const { name, ownerName } = checked.value;
    return { kind: 'change', event, names: { name, ownerName }, log };
  }

  async function resolveRecord(event: ServiceChangeEvent, names: LbNames, log: Logger, deadline: number): Promise<LbResolution> {
    if (!event.loadBalancers || event.loadBalancers.length === 0) {
      log.info('Service has no load balancer: no record');
      return { noRecordReason: 'service has no load balancer' };
    }
    const { targets, unresolved } = await resolve(event, deadline);
    for (const entry of unresolved) {
      countMetric('UnresolvedLoadBalancers');
      log.warn('Load balancer entry of the service not resolved', { ...entry.ref, reason: entry.reason });
    }
    const { chosen, ignored } = chooseLoadBalancer(targets);
    if (!chosen) return { noRecordReason: unresolved.map((u) => u.reason).join('; ') || 'no load balancer found' };
    if (ignored.length > 0) {
      countMetric('MultipleLoadBalancers');
      log.warn('Service has several load balancers; the first by ARN gets the name', {
        chosen: chosen.arn,
        ignored: ignored.map((t) => t.arn),
      });
    }
    const { record, fallback } = desiredLbRecord(names.name, chosen, lb.recordType, config.recordTtl);
    if (fallback) {
      countMetric('AliasFallbacks');
      log.warn(fallback, { loadBalancer: chosen.arn });
    }
    return { loadBalancer: chosen, record };
  }

  /** Stores the event (unless stale) and returns the verdict; a concurrent writer makes it re-read (util/retry). */
  function storeEvent(
    event: ServiceChangeEvent,
    names: LbNames,
    log: Logger,
    deadline: number,
  ): Promise<{ verdict: LbVerdict; state?: LbServiceState }> {
    return withRetries(
      async () => {
        const previous = await store.get(event.clusterArn, event.serviceName);
        const verdict = judgeLbEvent(previous, event);
        if (verdict !== 'apply') return { verdict, state: previous };
        const resolution =
          event.eventName !== 'DeleteService' && event.loadBalancers ? await resolveRecord(event, names, log, deadline) : undefined;
        const next = nextLbState(previous, event, resolution, deps.now?.() ?? new Date(), config.tombstoneTtlSeconds);
        return { verdict, state: await store.replace(previous, next) };
      },
      { isRetryable: (error) => error instanceof StaleLbStateError, maxAttempts: 5, baseDelayMs: 20, deadline },
    );
  }

  async function processEvent(_raw: unknown, p: Extract<Prepared, { kind: 'change' }>, deadline: number): Promise<LbEventResult> {
    const { event, names, log } = p;
    const base = {
      eventId: event.eventId,
      eventName: event.eventName,
      clusterArn: event.clusterArn,
      serviceName: event.serviceName,
      name: names.name,
    };
    const { verdict, state } = await storeEvent(event, names, log, deadline);
    if (verdict === 'stale') {
      countMetric('StaleEvents');
      log.info('Ignored event: a later event of this service was already applied', {
        eventTime: event.eventTime,
        storedEventTime: state?.lastEventTime,
        storedEventName: state?.lastEventName,
        storedStatus: state?.status,
      });
      return { outcome: 'stale', ...base };
    }
    const outcome = await recordSync.sync(event, names, deadline);
    switch (outcome.status) {
      case 'ok': {
        const changes = outcome.changes.map((c) => `${c.action} ${c.set.type}${c.set.alias ? ' (alias)' : ''} ${c.set.name}`);
        log.info(outcome.changed ? 'Records changed' : 'Records already in sync', {
          verdict,
          status: state?.status,
          record: state?.status === 'ACTIVE' ? state.record : undefined,
          noRecordReason: state?.noRecordReason,
          changes,
        });
        return { outcome: verdict === 'replay' ? 'replayed' : 'applied', ...base, changes };
      }
      case 'conflict':
        countMetric('OwnershipConflicts');
        log.error('Record name is owned by someone else; not touching it', { name: outcome.name, reason: outcome.reason });
        return { outcome: 'conflict', ...base, reason: outcome.reason };
      case 'invalid':
        countMetric('RejectedChanges');
        log.error('Route 53 rejected the record change', { reason: outcome.reason });
        return { outcome: 'rejected', ...base, reason: outcome.reason };
      case 'retry':
        throw new LbSyncFailedError(outcome.reason);
    }
  }

  const idempotentProcess = persistenceStore
    ? makeIdempotent(processEvent, { persistenceStore, config: idempotencyConfig })
    : processEvent;

  // instrumentHandler: request id on every log line, traces, and one flush of the metrics per invocation.
  return instrumentHandler(async function handler(rawEvent: unknown, context?: Context): Promise<LbEventResult> {
    const deadline = invocationDeadline(context, 60_000, deps.safetyMarginMs ?? 5000);
    if (context) idempotencyConfig.registerLambdaContext(context);
    const event = unwrapDestinationRecord(rawEvent);
    const prepared = prepare(event);
    if (prepared.kind === 'skip') return { outcome: 'ignored', reason: prepared.reason };
    try {
      return await idempotentProcess(event, prepared, deadline);
    } catch (error) {
      countMetric('FailedEvents');
      prepared.log.error('Event processing failed; Lambda retries it, then sends it to the on-failure destination', {
        error: error as Error,
      });
      throw error;
    }
  });
}
