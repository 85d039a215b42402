// The deployed handler module, wired from its environment, fed the events/ fixtures as `sam local invoke` and SQS do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRecords } from '../../support/ecs-scenario';
import { fixtureHandler } from '../../support/registrar-fixture';

const events = join(__dirname, '../../../events');
const load = (path: string) => JSON.parse(readFileSync(join(events, path), 'utf8'));
const TASK_ID = '5f0c3a9e2b8d4c71a6e4f93b0d2c8e17';

describe('functions/task-registrar handler', () => {
  let handler: (event: unknown, context?: unknown) => Promise<{ batchItemFailures: unknown[] }>;
  let zoneId: string;

  beforeAll(async () => {
    ({ zoneId, handler } = await fixtureHandler({ RECORD_TTL: '15', OWNER_ID: 'handler-test' }));
  });

  it('registers the running fixture given as a raw EventBridge event (sam local invoke)', async () => {
    const result = await handler(load('task-state-change/awsvpc-fargate-running.json'));
    expect(result.batchItemFailures).toEqual([]);
    const records = await listRecords(zoneId);
    expect(records.find((r) => r.type === 'SRV')).toMatchObject({
      name: 'web.svc.internal.',
      ttl: 15,
      values: [`1 1 8080 ${TASK_ID}.web.svc.internal.`],
    });
    expect(records.find((r) => r.name === `${TASK_ID}.web.svc.internal.`)?.values).toEqual(['10.0.1.23']);
  });

  it('deregisters on the stopping fixture delivered through SQS, before the task has stopped', async () => {
    const sqs = load('sqs/awsvpc-fargate-running.json');
    sqs.Records[0].body = JSON.stringify(load('task-state-change/awsvpc-fargate-stopping.json'));
    expect((await handler(sqs)).batchItemFailures).toEqual([]);
    expect(await listRecords(zoneId)).toEqual([]);
  });

  it('ignores a late RUNNING after the stop (tombstone) and the other-cluster and malformed fixtures', async () => {
    for (const file of ['awsvpc-fargate-running.json', 'other-cluster-running.json', 'malformed-missing-detail.json']) {
      expect((await handler(load(`task-state-change/${file}`))).batchItemFailures).toEqual([]);
    }
    expect(await listRecords(zoneId)).toEqual([]);
  });
});
