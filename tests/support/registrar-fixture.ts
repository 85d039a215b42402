// Wires a task registrar exactly as functions/task-registrar does, against moto behind the Route 53 guard,
// and helps tests feed it SQS batches of events and capture its log lines.
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import {
  clearHostAddressCache,
  clearTaskDefinitionCache,
  createTaskRegistrar,
  loadConfig,
  logger,
  resetClients,
  zoneWriterFor,
  TaskStateStore,
  type Config,
} from '@ecs-sd/core';
import { createTables } from './tables';
import { registerTaskDefinition } from './ecs-scenario';
import { freshWorld, ZONE } from './world';

export function sqsBatch(events: unknown[]): SQSEvent {
  return {
    Records: events.map(
      (event): SQSRecord => ({
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: typeof event === 'string' ? event : JSON.stringify(event),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:task-events',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}

export interface RegistrarFixture {
  config: Config;
  store: TaskStateStore;
  handler: ReturnType<typeof createTaskRegistrar>;
}

export interface RegistrarHooks {
  /** runs after the backend has read a service's members, before it plans and writes (to force interleavings) */
  afterMembersRead?: (serviceName: string) => Promise<void>;
  /** process the records of a batch one after another (Powertools Batch processInParallel: false) */
  sequential?: boolean;
  /** share another fixture's tables (two "concurrent Lambda instances") */
  tables?: { stateTableName: string; idempotencyTableName: string };
}

export async function createRegistrar(
  options: { hostedZoneId: string; zoneName: string } & Partial<Record<string, string>>,
  hooks: RegistrarHooks = {},
): Promise<RegistrarFixture> {
  resetClients();
  clearTaskDefinitionCache();
  clearHostAddressCache();
  const tables = hooks.tables ?? (await createTables());
  const { hostedZoneId, zoneName, ...env } = options;
  const config = loadConfig({
    STATE_TABLE_NAME: tables.stateTableName,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
    HOSTED_ZONE_ID: hostedZoneId,
    ZONE_NAME: zoneName,
    RECORD_TTL: '10',
    OWNER_ID: 'test-stack',
    ...env,
  });
  const store = new TaskStateStore(config.stateTableName);
  const backend = zoneWriterFor(config, async (name) => {
    const members = await store.members(name);
    await hooks.afterMembersRead?.(name);
    return members;
  });
  const registrar = createTaskRegistrar({ config, store, backend, safetyMarginMs: 0, sequential: hooks.sequential });
  // A Lambda context like the runtime's, so Powertools Idempotency can bound in-progress records by remaining time.
  const handler = ((event: unknown, context?: Context) =>
    registrar(event, context ?? lambdaContext(60_000))) as typeof registrar;
  return { config, store, handler };
}

export function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'TaskRegistrarFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:TaskRegistrarFunction',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/TaskRegistrarFunction',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Sum of an EMF metric over captured lines (Powertools writes a list when a metric was added several times). */
export function emfSum(lines: Record<string, unknown>[], metric: string): number {
  return lines
    .filter((l) => '_aws' in l && metric in l)
    .flatMap((l) => [l[metric]].flat())
    .reduce((n: number, v) => n + Number(v), 0);
}

/** Captures the structured log lines written while `fn` runs (Powertools writes JSON lines to stdout/stderr). */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  const previousLevel = logger.getLevelName();
  logger.setLogLevel('INFO');
  // Handlers run in instrumentHandler, whose injectLambdaContext restores the configured level (SILENT in tests) at
  // every invocation (Logger.refreshSampleRateCalculation): keep INFO while capturing.
  const refresh = Object.getOwnPropertyDescriptor(logger, 'refreshSampleRateCalculation');
  logger.refreshSampleRateCalculation = () => undefined;
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const parsed = text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return undefined;
          }
        });
      if (parsed.length > 0 && parsed.every(Boolean)) {
        lines.push(...(parsed as Record<string, unknown>[]));
        return true;
      }
      return originals[i](chunk, ...(rest as []));
    }) as typeof stream.write;
  });
  try {
    return { result: await fn(), lines };
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]));
    if (refresh) Object.defineProperty(logger, 'refreshSampleRateCalculation', refresh);
    else delete (logger as { refreshSampleRateCalculation?: unknown }).refreshSampleRateCalculation;
    logger.setLogLevel(previousLevel);
  }
}

/** Re-delivers failed records as SQS would, until none fail; returns how many deliveries it took. */
export async function deliverUntilDone(
  handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
  batch: SQSEvent,
  maxDeliveries = 6,
): Promise<number> {
  let pending = batch;
  for (let delivery = 1; delivery <= maxDeliveries; delivery++) {
    const { batchItemFailures } = await handler(pending);
    if (batchItemFailures.length === 0) return delivery;
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    pending = { Records: pending.Records.filter((r) => failed.has(r.messageId)) };
  }
  throw new Error(`records still failing after ${maxDeliveries} deliveries`);
}

/**
 * The world the events/ fixtures describe (cluster demo, task definition web:3 with container "web" on 8080), and the
 * deployed task registrar handler module loaded with its environment pointing at it.
 */
export async function fixtureHandler(
  env: { RECORD_TTL: string; OWNER_ID: string },
): Promise<{ zoneId: string; handler: (event: unknown) => Promise<{ batchItemFailures: unknown[] }> }> {
  const { zoneId } = await freshWorld();
  // The fixtures name task-definition/web:3: register the family three times so moto has that exact ARN.
  for (let i = 0; i < 3; i++) {
    await registerTaskDefinition({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'web', portMappings: [{ containerPort: 8080 }] }],
    });
  }
  const tables = await createTables();
  Object.assign(process.env, {
    STATE_TABLE_NAME: tables.stateTableName,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
    HOSTED_ZONE_ID: zoneId,
    ZONE_NAME: ZONE,
    CLUSTER_ARNS: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
    ...env,
  });
  let deployed!: (event: unknown, context: Context) => Promise<{ batchItemFailures: unknown[] }>;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    deployed = require('../../functions/task-registrar/index').handler;
  });
  // Invoked with a Lambda context, as the runtime does (Powertools Idempotency bounds in-progress records by it).
  return { zoneId, handler: (event) => deployed(event, lambdaContext(60_000)) };
}
