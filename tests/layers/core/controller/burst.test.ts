// A rolling deployment's burst through the BUILT task registrar (bundle + layer, loaded as Lambda loads them, each
// concurrent invocation in its own warm process like a Lambda container), delivered as the SQS event source does:
// batches, concurrent invocations, failed messages redelivered. Against moto behind the Route 53 guard, no
// reconciler: the zone must be exactly right at the end, no change call of ours may be rejected because of our own
// concurrency, and the change calls stay within 1.2x the lower bound max(invocations that changed something,
// ceil(value changes / 1,000)). Scaled from the 100 services x 20 tasks so the suite can afford it.
import { RegisterTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { SQSEvent } from 'aws-lambda';
import { buildFunctions, startInstance, type BuiltFunctions, type LambdaInstance } from '../../../support/built-functions';
import { listRecords } from '../../../support/ecs-scenario';
import { motoUrl } from '../../../support/moto';
import { parseChangeBatch } from '../../../support/route53-guard';
import { sqsBatch } from '../../../support/registrar-fixture';
import { createTables } from '../../../support/tables';
import { freshWorld, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();
const SERVICES = 10;
const TASKS = 6;
const ACCOUNT = '123456789012';

let built: BuiltFunctions;
beforeAll(() => {
  built = buildFunctions();
}, 180_000);
afterAll(() => built?.cleanup());

interface Task {
  arn: string;
  id: string;
  service: string;
  ip: string;
}

/** Seeded shuffle within windows (events of a real burst arrive roughly, not exactly, in order). */
function shuffleWithinWindows<T>(items: T[], window: number, seed: number): T[] {
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: T[] = [];
  for (let i = 0; i < items.length; i += window) {
    const part = items.slice(i, i + window);
    for (let j = part.length - 1; j > 0; j--) {
      const k = Math.floor(random() * (j + 1));
      [part[j], part[k]] = [part[k], part[j]];
    }
    out.push(...part);
  }
  return out;
}

function event(task: Task, clusterArn: string, taskDefinitionArn: string, version: number, lastStatus: string, desiredStatus: string) {
  return {
    version: '0',
    id: `${task.id}-v${version}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [task.arn],
    detail: {
      taskArn: task.arn,
      clusterArn,
      taskDefinitionArn,
      version,
      lastStatus,
      desiredStatus,
      group: `service:${task.service}`,
      launchType: 'FARGATE',
      attachments: [
        { id: `eni-${task.id}`, type: 'eni', status: 'ATTACHED', details: [{ name: 'privateIPv4Address', value: task.ip }] },
      ],
      containers: [{ name: 'app', lastStatus: lastStatus === 'RUNNING' ? 'RUNNING' : 'PENDING' }],
      overrides: { containerOverrides: [] },
    },
  };
}

async function burst(concurrency: number, batchSize: number, seed: number) {
  const w = await freshWorld({ guard: guard() });
  const tables = await createTables();
  const ecs = new ECSClient({ endpoint: motoUrl() });
  const definitions = new Map<string, string>();
  for (let s = 0; s < SERVICES; s++) {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `svc${s}`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'app', image: 'app', memory: 512, portMappings: [{ containerPort: 8080 }], environment: [{ name: 'SERVICE_8080_NAME', value: `svc${s}` }] },
        ],
      }),
    );
    definitions.set(`svc${s}`, taskDefinition!.taskDefinitionArn!);
  }
  ecs.destroy();
  const clusterName = w.clusterArn.split('/').pop();
  const task = (service: string, n: number, generation: number): Task => {
    const id = `${generation}${service.slice(3).padStart(3, '0')}${String(n).padStart(4, '0')}`.padEnd(32, 'a');
    return { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${clusterName}/${id}`, id, service, ip: `10.${generation}.${service.slice(3)}.${n + 1}` };
  };
  const old: Task[] = [];
  const fresh: Task[] = [];
  const events: ReturnType<typeof event>[] = [];
  const ev = (t: Task, v: number, last: string, desired: string) => event(t, w.clusterArn, definitions.get(t.service)!, v, last, desired);
  for (let s = 0; s < SERVICES; s++) {
    for (let n = 0; n < TASKS; n++) {
      const t = task(`svc${s}`, n, 1);
      old.push(t);
      events.push(ev(t, 1, 'PENDING', 'RUNNING'), ev(t, 2, 'RUNNING', 'RUNNING'));
    }
  }
  // The rolling deployment: each old task is replaced by a new one.
  for (let n = 0; n < TASKS; n++) {
    for (let s = 0; s < SERVICES; s++) {
      const t = task(`svc${s}`, n, 2);
      const gone = old.find((o) => o.service === `svc${s}` && o.id === task(`svc${s}`, n, 1).id)!;
      fresh.push(t);
      events.push(ev(t, 1, 'PENDING', 'RUNNING'), ev(t, 2, 'RUNNING', 'RUNNING'));
      events.push(ev(gone, 3, 'RUNNING', 'STOPPED'), ev(gone, 4, 'STOPPED', 'STOPPED'));
    }
  }
  // 10% duplicates (same EventBridge event, delivered again), then shuffled within windows of 50.
  const withDuplicates = [...events];
  for (let i = 0; i < events.length; i += 10) withDuplicates.splice(i + Math.floor(i / 10) + 3, 0, events[i]);
  const messages = sqsBatch(shuffleWithinWindows(withDuplicates, 50, seed)).Records;

  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: motoUrl(),
    AWS_ENDPOINT_URL_ROUTE_53: guard().url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    STATE_TABLE_NAME: tables.stateTableName,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
    HOSTED_ZONE_ID: w.zoneId,
    ZONE_NAME: ZONE,
    RECORD_TTL: '10',
    OWNER_ID: 'burst',
  };
  const instances: LambdaInstance[] = await Promise.all(
    Array.from({ length: concurrency }, () => startInstance(built, 'TaskRegistrarFunction', env)),
  );
  guard().resetCalls();
  // The SQS event source: each instance takes the next batch while messages remain; failed ones come back later.
  const queue = [...messages];
  let invocations = 0;
  let changing = 0;
  try {
    await Promise.all(
      instances.map(async (instance) => {
        for (;;) {
          const records = queue.splice(0, batchSize);
          if (records.length === 0) return;
          invocations++;
          const reply = await instance.invoke({ Records: records } satisfies SQSEvent);
          if (reply.error) throw new Error(reply.error);
          if (reply.changed > 0) changing++;
          const failed = new Set((reply.result as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures.map((f) => f.itemIdentifier));
          queue.push(...records.filter((r) => failed.has(r.messageId)));
        }
      }),
    );
  } finally {
    instances.forEach((i) => i.close());
  }

  const changes = guard().calls.filter((c) => c.operation === 'ChangeResourceRecordSets');
  const rejected = changes.filter((c) => c.status !== 200);
  const values = changes
    .filter((c) => c.status === 200)
    .flatMap((c) => parseChangeBatch(c.body))
    .reduce((n, change) => n + Math.max(1, change.values.length), 0);
  const lowerBound = Math.max(changing, Math.ceil(values / 1000));

  // The zone: exactly the new tasks, nothing of the old ones, without a reconciler run.
  const expected = new Map<string, string[]>();
  for (let s = 0; s < SERVICES; s++) {
    const mine = fresh.filter((t) => t.service === `svc${s}`);
    expected.set(`SRV svc${s}.${ZONE}.`, mine.map((t) => `1 1 8080 ${t.id}.svc${s}.${ZONE}.`).sort());
    expected.set(`A svc${s}.${ZONE}.`, mine.map((t) => t.ip).sort());
    expected.set(`TXT svc${s}.${ZONE}.`, ['"heritage=ecs-service-discovery,owner=burst"']);
    for (const t of mine) expected.set(`A ${t.id}.svc${s}.${ZONE}.`, [t.ip]);
  }
  const zone = new Map((await listRecords(w.zoneId)).map((r) => [`${r.type} ${r.name}`, [...r.values].sort()]));
  return { zone, expected, messages: messages.length, invocations, changing, changeCalls: changes.length, rejected, values, lowerBound, listCalls: guard().count('ListResourceRecordSets') };
}

describe('a rolling deployment burst through the built registrar', () => {
  it.each([
    [2, 100, 'the template default BatchSize (100)'],
    [5, 10, 'batches of 10'],
  ])('%i concurrent invocations, %i per batch (%s): exact zone, no self-inflicted rejections, <= 1.2x the lower bound', async (concurrency, batchSize) => {
    const r = await burst(concurrency, batchSize, 42 + concurrency);
    process.stdout.write(
      `burst: concurrency ${concurrency}, batch ${batchSize}: ${r.messages} messages, ${r.invocations} invocations ` +
        `(${r.changing} changed something), ChangeResourceRecordSets ${r.changeCalls} (rejected ${r.rejected.length}), ` +
        `values ${r.values}, lower bound ${r.lowerBound}, ratio ${(r.changeCalls / r.lowerBound).toFixed(2)}, ` +
        `ListResourceRecordSets ${r.listCalls}\n`,
    );
    expect(Object.fromEntries(r.zone)).toEqual(Object.fromEntries(r.expected));
    expect(r.rejected).toEqual([]);
    expect(r.changeCalls).toBeLessThanOrEqual(Math.floor(1.2 * r.lowerBound));
  }, 240_000);
});
