// Task registrar: SQS batch of ECS Task State Change events -> state transitions -> one shared Route 53 sync.
//
// Guards, each against its own failure:
//   Powertools Idempotency (key: EventBridge event id)  duplicate delivery of the same event, also concurrently
//   version guard in the state table (detail.version)   out-of-order and replayed events of one task
//   tombstones (STOPPED state with a TTL)                a late RUNNING bringing a stopped task back
//   DELETE+CREATE units, re-read on mismatch             concurrent writers (other invocations, health checker)
//   batch item failures                                  transient failures redeliver only the affected messages
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { invocationDeadline } from '../util/batching';
import { clusterInScope, type Config } from '../config';
import { dynamoDbClient } from '../aws/clients';
import { logger, countMetric, metrics } from '../observability';
import { asSqsEvent, isSqsEvent, parseJsonBody } from '../parse/envelope';
import { InvalidEventError, isStopping, parseTaskEvent, type TaskEvent } from '../parse/task-event';
import { hostAddresses } from '../resolve/host-addresses';
import type { TaskStateStore } from '../state/task-state';
import type { DirectoryBackend, SyncOutcome } from '../backends/backend';
import { SyncBarrier } from './sync-barrier';
import { TaskProcessor, type TransitionResult } from './task-processor';

export class SyncFailedError extends Error {
  constructor(readonly failures: { serviceName: string; reason: string }[]) {
    super(`Directory sync failed for ${failures.map((f) => f.serviceName).join(', ')}; the event will be redelivered`);
    this.name = 'SyncFailedError';
  }
}

export interface TaskRegistrarDeps {
  config: Config;
  store: TaskStateStore;
  backend: DirectoryBackend;
  /** ms kept in reserve before Lambda's timeout */
  safetyMarginMs?: number;
  /** records whose state transitions run at once (each is a few DynamoDB calls); the sync is shared anyway */
  recordConcurrency?: number;
  now?: () => Date;
}

type Prepared =
  | { kind: 'task'; event: TaskEvent; raw: unknown; log: Logger }
  | { kind: 'skip' };

export function createTaskRegistrar(deps: TaskRegistrarDeps) {
  const { config, store, backend } = deps;
  const processor = new TaskProcessor({ store, tombstoneTtlSeconds: config.tombstoneTtlSeconds, now: deps.now });
  const persistenceStore = config.idempotencyTableName
    ? new DynamoDBPersistenceLayer({ tableName: config.idempotencyTableName, awsSdkV3Client: dynamoDbClient() })
    : undefined;
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    expiresAfterSeconds: config.idempotencyTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });

  function prepare(record: SQSRecord): Prepared {
    const body = parseJsonBody(record.body);
    if (!body.ok) {
      countMetric('InvalidEvents');
      logger.error('Rejected message: body is not JSON', { messageId: record.messageId, error: body.error });
      return { kind: 'skip' };
    }
    let event: TaskEvent;
    try {
      event = parseTaskEvent(body.value);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      countMetric('InvalidEvents');
      logger.error('Rejected message: not a valid ECS Task State Change event', {
        messageId: record.messageId,
        issues: error.issues,
      });
      return { kind: 'skip' };
    }
    const log = logger.createChild({
      persistentKeys: { correlation_id: event.eventId, taskArn: event.taskArn, serviceName: event.serviceName },
    });
    if (!clusterInScope(config, event.clusterArn)) {
      countMetric('OutOfScopeEvents');
      log.info('Ignored event: cluster is not in ClusterArns', { clusterArn: event.clusterArn });
      return { kind: 'skip' };
    }
    return { kind: 'task', event, raw: body.value, log };
  }

  function check(outcomes: Map<string, SyncOutcome>, log: Logger): void {
    const failures: { serviceName: string; reason: string }[] = [];
    for (const [serviceName, outcome] of outcomes) {
      if (outcome.status === 'retry') failures.push({ serviceName, reason: outcome.reason });
      else if (outcome.status === 'invalid') {
        countMetric('RejectedChanges');
        log.error('Route 53 rejected the records for a service name', { serviceName, reason: outcome.reason });
      }
    }
    if (failures.length > 0) throw new SyncFailedError(failures);
  }

  return async function handler(rawEvent: unknown, context?: Context): Promise<SQSBatchResponse> {
    const direct = !isSqsEvent(rawEvent);
    const event = asSqsEvent(rawEvent);
    const deadline = invocationDeadline(context, 60_000, deps.safetyMarginMs ?? 5000);
    if (context) idempotencyConfig.registerLambdaContext(context);

    const prepared = new Map(event.Records.map((r) => [r.messageId, prepare(r)]));
    const running = [...prepared.values()].flatMap((p) =>
      p.kind === 'task' && p.event.containerInstanceArn && !isStopping(p.event) && p.event.lastStatus === 'RUNNING'
        ? [{ clusterArn: p.event.clusterArn, containerInstanceArn: p.event.containerInstanceArn }]
        : [],
    );
    // One batched lookup for every bridge/host task of the batch. It throws only transient errors (permanent ones are
    // per container instance in its answer: resolve/host-addresses.ts); then each task looks its host up alone, and
    // a task whose lookup still fails is retried (batch item failure).
    const hosts = running.length > 0 ? await hostAddresses(running).catch(() => undefined) : undefined;

    const participants = new Set([...prepared].filter(([, p]) => p.kind === 'task').map(([id]) => id));
    const barrier = new SyncBarrier(participants, backend, deadline);

    const limit = pLimit(deps.recordConcurrency ?? 16);
    const processTask = async (raw: unknown, messageId: string): Promise<TransitionResult> => {
      const p = prepared.get(messageId) as Extract<Prepared, { kind: 'task' }>;
      const { result, requests } = await limit(() => processor.transition(p.event, p.log, hosts));
      const outcomes = await barrier.join(messageId, requests);
      check(outcomes, p.log);
      return result;
    };
    const idempotentProcess = persistenceStore
      ? makeIdempotent(processTask, { persistenceStore, config: idempotencyConfig })
      : processTask;

    const batchProcessor = new BatchProcessor(EventType.SQS);
    try {
      const response = await processPartialResponse(
        event,
        async (record: SQSRecord) => {
          const p = prepared.get(record.messageId);
          try {
            if (p?.kind !== 'task') return undefined;
            try {
              return await idempotentProcess(p.raw, record.messageId);
            } catch (error) {
              countMetric('FailedEvents');
              p.log.error('Event processing failed; it will be retried', { error: error as Error });
              throw error;
            }
          } finally {
            barrier.leave(record.messageId);
          }
        },
        batchProcessor,
        // Report every failed record, even when all failed: SQS then redelivers exactly those.
        { context, throwOnFullBatchFailure: false },
      );
      if (direct && response.batchItemFailures.length > 0) {
        // Async invocations (EventBridge -> Lambda) retry and then use the on-failure destination.
        throw new Error(`Event ${event.Records[0].messageId} failed: see the log for the cause`);
      }
      return response;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
