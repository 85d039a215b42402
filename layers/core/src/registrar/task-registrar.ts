// Task registrar: SQS batch of ECS Task State Change events -> state transitions -> one shared Route 53 sync.
//
// Two phases, so no record ever waits for another: (1) every record's state transition runs on its own
// (Powertools Batch, in parallel or, for a FIFO queue, in order), idempotent on the event id, and returns the
// service names it touched; (2) once the batch has been processed, one sync covers every touched name. A message
// whose names did not sync is reported as a batch item failure; its idempotency record holds the names, so the
// redelivery syncs them again even though its state transition is not repeated (a failed sync is redone from
// state, whatever later events did meanwhile).
//
// Guards, each against its own failure:
//   Powertools Idempotency (key: EventBridge event id)  duplicate delivery of the same event, also concurrently
//   version guard in the state table (detail.version)   out-of-order and replayed events of one task
//   tombstones (STOPPED state with a TTL)                a late RUNNING bringing a stopped task back
//   DELETE+CREATE units, re-read on mismatch             concurrent writers (other invocations, health checker)
//   batch item failures                                  transient failures redeliver only the affected messages
import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { invocationDeadline } from '../util/batching';
import { clusterInScope, type Config } from '../config';
import { dynamoDbClient } from '../aws/clients';
import { logger, countMetric, instrumentHandler } from '../observability';
import { asSqsEvent, isSqsEvent, parseJsonBody } from '../parse/envelope';
import { InvalidEventError, isStopping, parseTaskEvent, type TaskEvent } from '../parse/task-event';
import { hostAddresses } from '../resolve/host-addresses';
import type { TaskStateStore } from '../state/task-state';
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';
import { TaskProcessor, type TransitionResult } from './task-processor';

export interface TaskRegistrarDeps {
  config: Config;
  store: TaskStateStore;
  backend: DirectoryBackend;
  /** ms kept in reserve before Lambda's timeout */
  safetyMarginMs?: number;
  /** records whose state transitions run at once (each is a few DynamoDB calls); the sync is shared anyway */
  recordConcurrency?: number;
  /** process records one after another (as for a FIFO queue, which is always processed in order) */
  sequential?: boolean;
  now?: () => Date;
}

/** What a record's idempotent processing returns (and the idempotency record keeps for redeliveries). */
interface ProcessedTask extends TransitionResult {
  requests: SyncRequest[];
}

/** A FIFO queue's records carry a message group id; they must be processed, and failed, in order. */
const isFifoBatch = (records: SQSRecord[]) =>
  records.some((r) => r.eventSourceARN?.endsWith('.fifo') || r.attributes?.MessageGroupId !== undefined);

type Prepared =
  | { kind: 'task'; event: TaskEvent; raw: unknown; log: Logger }
  | { kind: 'skip' };

export function createTaskRegistrar(deps: TaskRegistrarDeps) {
  const { config, store, backend } = deps;
  const processor = new TaskProcessor({ store, tombstoneTtlSeconds: config.tombstoneTtlSeconds, naming: config, now: deps.now });
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

  /** Logs what cannot be retried; returns the names whose sync must be retried, with the reason. */
  function failedNames(outcomes: Map<string, SyncOutcome>): Map<string, string> {
    const failed = new Map<string, string>();
    for (const [serviceName, outcome] of outcomes) {
      if (outcome.status === 'retry') failed.set(serviceName, outcome.reason);
      else if (outcome.status === 'invalid') {
        countMetric('RejectedChanges');
        logger.error('Route 53 rejected the records for a service name', { serviceName, reason: outcome.reason });
      }
    }
    return failed;
  }

  // instrumentHandler: request id on every log line, traces, and one flush of the metrics per invocation.
  return instrumentHandler(async function handler(rawEvent: unknown, context?: Context): Promise<SQSBatchResponse> {
    const direct = !isSqsEvent(rawEvent);
    const event = asSqsEvent(rawEvent);
    const deadline = invocationDeadline(context, 60_000, deps.safetyMarginMs ?? 5000);
    if (context) idempotencyConfig.registerLambdaContext(context);
    const fifo = isFifoBatch(event.Records);

    const prepared = new Map(event.Records.map((r) => [r.messageId, prepare(r)]));
    const running = [...prepared.values()].flatMap((p) =>
      p.kind === 'task' && p.event.containerInstanceArn && !isStopping(p.event) && p.event.lastStatus === 'RUNNING'
        ? [{ clusterArn: p.event.clusterArn, containerInstanceArn: p.event.containerInstanceArn }]
        : [],
    );
    // One batched lookup for every bridge/host task of the batch. It throws only transient errors (permanent ones are
    // per container instance in its answer: resolve/host-addresses.ts); then each task looks its host up alone, and
    // a task whose lookup still fails is retried (batch item failure).
    const hosts = running.length > 0 ? await hostAddresses(running, deadline).catch(() => undefined) : undefined;

    // Phase 1: state transitions. Nothing here waits for another record.
    const limit = pLimit(deps.recordConcurrency ?? 16);
    // Transitions run in this invocation (not answered from the idempotency store): only these need a sync. A
    // duplicate of an event whose sync succeeded needs none; one whose sync failed had its idempotency record
    // deleted (phase 3), so its redelivery runs the transition again (a replay) and syncs.
    const executed = new Set<string>();
    const processTask = async (raw: unknown, messageId: string): Promise<ProcessedTask> => {
      executed.add(messageId);
      const p = prepared.get(messageId) as Extract<Prepared, { kind: 'task' }>;
      const { result, requests } = await limit(() => processor.transition(p.event, p.log, hosts));
      // Plain JSON (no undefined fields): the idempotency record stores it for redeliveries.
      return JSON.parse(JSON.stringify({ ...result, requests })) as ProcessedTask;
    };
    const idempotentProcess = persistenceStore
      ? makeIdempotent(processTask, { persistenceStore, config: idempotencyConfig })
      : processTask;
    const touched = new Map<string, SyncRequest[]>();
    const recordHandler = async (record: SQSRecord) => {
      const p = prepared.get(record.messageId);
      if (p?.kind !== 'task') return undefined;
      try {
        const processed = await idempotentProcess(p.raw, record.messageId);
        if (executed.has(record.messageId)) touched.set(record.messageId, processed.requests ?? []);
        else countMetric('DuplicateEvents'); // answered from its idempotency record
        return processed;
      } catch (error) {
        countMetric('FailedEvents');
        p.log.error('Event processing failed; it will be retried', { error: error as Error });
        throw error;
      }
    };
    const options = { context, throwOnFullBatchFailure: false } as const;
    const response = fifo
      ? await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), options)
      : await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
          ...options,
          processInParallel: !deps.sequential,
        });

    // Phase 2: one sync for every name the batch touched.
    const requests = [...touched.values()].flat();
    let failed = new Map<string, string>();
    if (requests.length > 0) {
      try {
        failed = failedNames(await backend.sync(requests, { deadline }));
      } catch (error) {
        const reason = `${(error as Error).name}: ${(error as Error).message}`;
        failed = new Map(requests.map((r) => [r.serviceName, reason]));
      }
    }

    // Phase 3: a message fails when any name it touched did not sync (in a FIFO batch, with every message after it).
    const failures = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const [messageId, names] of touched) {
      const reasons = names.filter((r) => failed.has(r.serviceName));
      if (reasons.length === 0) continue;
      failures.add(messageId);
      countMetric('FailedEvents');
      const p = prepared.get(messageId) as Extract<Prepared, { kind: 'task' }>;
      p.log.error('Directory sync failed; the event will be redelivered', {
        failures: reasons.map((r) => ({ serviceName: r.serviceName, reason: failed.get(r.serviceName) })),
      });
      await persistenceStore?.deleteRecord(p.raw as Parameters<DynamoDBPersistenceLayer['deleteRecord']>[0]).catch((error) =>
        p.log.error('Could not clear the idempotency record; the redelivery will not sync again', { error }),
      );
    }
    if (fifo) {
      const first = event.Records.findIndex((r) => failures.has(r.messageId));
      if (first >= 0) for (const r of event.Records.slice(first)) failures.add(r.messageId);
    }
    const batchItemFailures = event.Records.filter((r) => failures.has(r.messageId)).map((r) => ({
      itemIdentifier: r.messageId,
    }));
    if (direct && batchItemFailures.length > 0) {
      // Async invocations (EventBridge -> Lambda) retry and then use the on-failure destination.
      throw new Error(`Event ${event.Records[0].messageId} failed: see the log for the cause`);
    }
    return { batchItemFailures };
  });
}
