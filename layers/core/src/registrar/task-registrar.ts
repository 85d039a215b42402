// Task registrar: SQS batch of ECS Task State Change events -> state transitions -> one shared Route 53 sync.
//
// Two phases, so no record ever waits for another: (1) every record's state transition runs on its own
// (Powertools Batch, in parallel or, for a FIFO queue, in order), idempotent on the event id; the state write marks
// the names it touched dirty in the same transaction (state/dirty-names.ts); (2) once the batch has been
// processed, the zone writer (controller/zone-writer.ts) drains every dirty name, if no other invocation is
// draining the zone. A message is acknowledged once its state is durable: a name that does not sync now stays
// marked and is synced from state by the next drain, whatever later events did meanwhile.
//
// Guards, each against its own failure:
//   Powertools Idempotency (key: EventBridge event id)  duplicate delivery of the same event, also concurrently
//   version guard in the state table (detail.version)   out-of-order and replayed events of one task
//   tombstones (STOPPED state with a TTL)                a late RUNNING bringing a stopped task back
//   dirty marks + one zone writer (lease)                concurrent invocations colliding on the same names
//   DELETE+CREATE units, re-read on mismatch             anyone else changing a name between read and write
//   batch item failures                                  transient failures redeliver only the affected messages
import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { invocationDeadline } from '../util/batching';
import { assertBeforeDeadline, beforeDeadline } from '../util/deadline';
import { clusterInScope, type Config } from '../config';
import { dynamoDbClient } from '../aws/clients';
import { logger, countMetric, instrumentHandler } from '../observability';
import { asSqsEvent, isSqsEvent, parseJsonBody } from '../parse/envelope';
import { InvalidEventError, isStopping, parseTaskEvent, type TaskEvent } from '../parse/task-event';
import { hostAddresses } from '../resolve/host-addresses';
import type { TaskStateStore } from '../state/task-state';
import type { SyncOutcome, SyncRequest } from '../backends/backend';
import type { ZoneWriter } from '../controller/zone-writer';
import { TaskProcessor, type TransitionResult } from './task-processor';

export interface TaskRegistrarDeps {
  config: Config;
  store: TaskStateStore;
  /** the zone writer: drains the dirty names (controller/zone-writer.ts) */
  backend: ZoneWriter;
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

  /** Logs what no retry can fix (the marks of those names are cleared by the zone writer). */
  function reportRejections(outcomes: Map<string, SyncOutcome>): void {
    for (const [serviceName, outcome] of outcomes) {
      if (outcome.status !== 'invalid') continue;
      countMetric('RejectedChanges');
      logger.error('Route 53 rejected the records for a service name', { serviceName, reason: outcome.reason });
    }
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
    // Transitions run in this invocation (not answered from the idempotency store), for the DuplicateEvents metric.
    const executed = new Set<string>();
    const processTask = async (raw: unknown, messageId: string): Promise<ProcessedTask> => {
      executed.add(messageId);
      const p = prepared.get(messageId) as Extract<Prepared, { kind: 'task' }>;
      const { result, requests } = await limit(() => processor.transition(p.event, p.log, hosts, deadline));
      // Plain JSON (no undefined fields): the idempotency record stores it for redeliveries.
      return JSON.parse(JSON.stringify({ ...result, requests })) as ProcessedTask;
    };
    const idempotentProcess = persistenceStore
      ? makeIdempotent(processTask, { persistenceStore, config: idempotencyConfig })
      : processTask;
    const recordHandler = async (record: SQSRecord) => {
      const p = prepared.get(record.messageId);
      if (p?.kind !== 'task') return undefined;
      try {
        // The idempotency store's own calls take no deadline: bound the whole record by it, so a hung call leaves
        // this record failed (redelivered) instead of the batch killed at Lambda's timeout.
        assertBeforeDeadline(deadline, 'task state transition');
        const processed = await beforeDeadline(idempotentProcess(p.raw, record.messageId), deadline, 'task state transition');
        if (!executed.has(record.messageId)) countMetric('DuplicateEvents'); // answered from its idempotency record
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

    // Phase 2: the state (and its dirty marks) is durable: drain the zone if no other invocation is draining it.
    // What does not sync now stays marked and is drained later, so it never fails a message.
    try {
      reportRejections((await backend.drain(deadline)).outcomes);
    } catch (error) {
      countMetric('DrainFailures');
      logger.warn('Draining the dirty names failed; they stay marked for the next drain', { error: error as Error });
    }

    const failures = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
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
