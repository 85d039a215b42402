// The deployed handler module, wired from its environment, fed the events/ fixtures as `sam local invoke` and SQS do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resetMoto, pinEcsTasksRunning } from '../../support/moto';
import { createCluster, createHostedZone, createVpc, listRecords, registerTaskDefinition } from '../../support/ecs-scenario';
import { createTables } from '../../support/tables';

const events = join(__dirname, '../../../events');
const load = (path: string) => JSON.parse(readFileSync(join(events, path), 'utf8'));
const TASK_ID = '5f0c3a9e2b8d4c71a6e4f93b0d2c8e17';

describe('functions/task-registrar handler', () => {
  let handler: (event: unknown, context?: unknown) => Promise<{ batchItemFailures: unknown[] }>;
  let zoneId: string;

  beforeAll(async () => {
    await resetMoto();
    await pinEcsTasksRunning();
    const vpc = await createVpc();
    zoneId = await createHostedZone('svc.internal', vpc.vpcId);
    await createCluster('demo');
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
      ZONE_NAME: 'svc.internal',
      RECORD_TTL: '15',
      OWNER_ID: 'handler-test',
      CLUSTER_ARNS: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
    });
    handler = (await import('../../../functions/task-registrar/index')).handler as typeof handler;
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
