// Route 53 hangs (accepts the connection, never answers). The registrar must return before its Lambda timeout, not
// hang until Lambda kills it (which redelivers the whole batch and logs nothing useful). The task states are durable
// and their names marked dirty, so the messages are acknowledged and the names stay marked for a later drain. The
// fake Lambda reports 8 s remaining; the handler keeps a 2 s safety margin.
import {
  clearTaskDefinitionCache,
  createTaskRegistrar,
  DirtyNames,
  loadConfig,
  resetClients,
  zoneWriterFor,
  TaskStateStore,
} from '@ecs-sd/core';
import { taskStateChangeEvent } from '../../../support/ecs-scenario';
import { startHangingEndpoint, type HangingEndpoint } from '../../../support/hanging-endpoint';
import { motoUrl } from '../../../support/moto';
import { captureLogs, lambdaContext, sqsBatch } from '../../../support/registrar-fixture';
import { createTables } from '../../../support/tables';
import { freshWorld, runService, ZONE } from '../../../support/world';

const LAMBDA_REMAINING_MS = 8000;

/** The registrar's settings on fresh tables, for the zone `zoneId`. */
async function configFor(zoneId: string) {
  const tables = await createTables();
  return loadConfig({
    STATE_TABLE_NAME: tables.stateTableName,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
    HOSTED_ZONE_ID: zoneId,
    ZONE_NAME: ZONE,
    RECORD_TTL: '10',
    OWNER_ID: 'test-stack',
  });
}
let endpoint: HangingEndpoint | undefined;

afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  process.env.AWS_ENDPOINT_URL_ROUTE_53 = motoUrl();
  resetClients();
});

describe('task registrar with a Route 53 endpoint that never answers', () => {
  it('returns before the Lambda timeout, the states stored and their names left marked for a later drain', async () => {
    const w = await freshWorld();
    const { tasks } = await runService(w, 'web', 2);
    const { tasks: apiTasks } = await runService(w, 'api', 1);
    const config = await configFor(w.zoneId);
    const store = new TaskStateStore(config.stateTableName);
    const handler = createTaskRegistrar({
      config,
      store,
      backend: zoneWriterFor(config, (name) => store.members(name)),
      safetyMarginMs: 2000,
    });

    endpoint = await startHangingEndpoint();
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = endpoint.url;
    resetClients();

    const batch = sqsBatch(
      [...tasks, ...apiTasks].map((t) => taskStateChangeEvent(t, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })),
    );
    const startedAt = Date.now();
    const { result, lines } = await captureLogs(() => handler(batch, lambdaContext(LAMBDA_REMAINING_MS)));
    const elapsed = Date.now() - startedAt;

    expect(endpoint.connections()).toBeGreaterThan(0); // the reads really went to the hanging endpoint
    expect(result.batchItemFailures).toEqual([]);
    expect(elapsed).toBeLessThan(LAMBDA_REMAINING_MS);
    expect((await new DirtyNames(config.stateTableName).list()).flatMap((m) => m.names).sort()).toEqual(['api', 'web', 'web']);
    // one line names the cause: the reads ran into the invocation deadline
    const left = lines.filter((l) => l.level === 'WARN' && /^Names stay dirty/.test(String(l.message)));
    expect(left).toHaveLength(1);
    expect(/deadline passed before ListResourceRecordSets/.test(JSON.stringify(left[0].failures))).toBe(true);
  }, 30_000);
});

describe.each([['ECS'], ['DYNAMODB']])('task registrar with a hanging %s endpoint during the state transitions', (service) => {
  afterEach(() => {
    process.env.AWS_ENDPOINT_URL_ECS = motoUrl();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = motoUrl();
    resetClients();
  });

  it.each([[false], [true]])('sequential=%s: every message fails back before the Lambda timeout', async (sequential) => {
    const w = await freshWorld();
    const { tasks } = await runService(w, 'web', 3);
    const config = await configFor(w.zoneId);
    clearTaskDefinitionCache();
    const store = new TaskStateStore(config.stateTableName);
    const handler = createTaskRegistrar({
      config,
      store,
      backend: zoneWriterFor(config, (name, options) => store.members(name, options)),
      safetyMarginMs: 2000,
      sequential,
    });
    endpoint = await startHangingEndpoint();
    process.env[`AWS_ENDPOINT_URL_${service}`] = endpoint.url;
    resetClients();
    const batch = sqsBatch(
      tasks.map((t) => taskStateChangeEvent(t, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })),
    );
    const startedAt = Date.now();
    const { result } = await captureLogs(() => handler(batch, lambdaContext(LAMBDA_REMAINING_MS)));
    const elapsed = Date.now() - startedAt;
    expect(endpoint.connections()).toBeGreaterThan(0);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(batch.Records.map((r) => r.messageId).sort());
    expect(elapsed).toBeLessThan(LAMBDA_REMAINING_MS);
  }, 60_000);
});
