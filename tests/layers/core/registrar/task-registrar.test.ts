// End to end: the real registrar, real SDK clients, moto (ECS, EC2, DynamoDB, Route 53) behind the Route 53 guard.
import { DirtyNames, route53BackendFor } from '@ecs-sd/core';
import { motoUrl } from '../../../support/moto';
import {
  createCluster,
  describeTasks,
  listRecords,
  registerEc2ContainerInstance,
  registerTaskDefinition,
  runAwsvpcTasks,
  runBridgeTasks,
  taskStateChangeEvent,
  type ContainerSpec,
} from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, deliverUntilDone, lambdaContext, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';
import type { Task } from '@aws-sdk/client-ecs';

const guard = useRoute53Guard();

interface World extends EcsWorld {
  registrar: RegistrarFixture;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, ...env });
  return { ...w, registrar };
}

async function webTasks(w: World, count: number, family = 'web', env: ContainerSpec['environment'] = [{ name: 'SERVICE_8080_NAME', value: 'web' }]) {
  return (await runService(w, family, count, { container: { environment: env } })).tasks;
}

const running = (task: Task, version = 2) =>
  taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
const stopping = (task: Task, version = 3) =>
  taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' });
const stopped = (task: Task, version = 5) =>
  taskStateChangeEvent(task, { version, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' });

async function zone(w: World) {
  return listRecords(w.zoneId);
}
const find = (records: Awaited<ReturnType<typeof listRecords>>, name: string, type: string) =>
  records.find((r) => r.name === name && r.type === type);

describe('task registrar against moto', () => {
  it('registers a 3-task awsvpc service, removes one task, then removes the record sets with the last', async () => {
    const w = await world();
    const tasks = await webTasks(w, 3);
    const result = await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))));
    expect(result.batchItemFailures).toEqual([]);

    let records = await zone(w);
    const srv = find(records, `web.${ZONE}.`, 'SRV');
    expect(srv?.values).toEqual(tasks.map((t) => `1 1 8080 ${taskId(t)}.web.${ZONE}.`).sort());
    expect(find(records, `web.${ZONE}.`, 'A')?.values).toEqual(tasks.map(ipOf).sort());
    for (const t of tasks) expect(find(records, `${taskId(t)}.web.${ZONE}.`, 'A')?.values).toEqual([ipOf(t)]);
    expect(find(records, `web.${ZONE}.`, 'TXT')?.values).toEqual(['"heritage=ecs-service-discovery,owner=test-stack"']);
    expect(records).toHaveLength(3 + 3); // SRV, A, TXT + 3 per-task A

    await w.registrar.handler(sqsBatch([stopping(tasks[0])]));
    records = await zone(w);
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toEqual(
      tasks.slice(1).map((t) => `1 1 8080 ${taskId(t)}.web.${ZONE}.`).sort(),
    );
    expect(find(records, `web.${ZONE}.`, 'A')?.values).toEqual(tasks.slice(1).map(ipOf).sort());
    expect(find(records, `${taskId(tasks[0])}.web.${ZONE}.`, 'A')).toBeUndefined();
    for (const t of tasks.slice(1)) expect(find(records, `${taskId(t)}.web.${ZONE}.`, 'A')).toBeDefined();

    await w.registrar.handler(sqsBatch(tasks.slice(1).map((t) => stopped(t))));
    expect(await zone(w)).toEqual([]);
  });

  it('ends in the same zone whether the history arrives in order, shuffled, or three times over', async () => {
    const histories: unknown[][] = [];
    const outcomes: string[] = [];
    for (const mode of ['in-order', 'shuffled', 'triplicated-shuffled'] as const) {
      const w = await world();
      const tasks = await webTasks(w, 4);
      // Same task ARNs cannot be reproduced across resets, so compare zones with task IDs replaced by their index.
      const history = tasks.flatMap((t, i) => {
        const events = [
          taskStateChangeEvent(t, { version: 1, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }),
          running(t, 2),
        ];
        if (i < 2) events.push(stopping(t, 3), stopped(t, 5));
        return events;
      });
      let delivery = [...history];
      if (mode !== 'in-order') delivery = shuffle(mode === 'triplicated-shuffled' ? [...history, ...history, ...history] : history, 42);
      histories.push(delivery);
      // Deliver in several invocations of varying size, some concurrently, as SQS would.
      const batches = chunk(delivery, [3, 1, 5, 2, 7]);
      for (let i = 0; i < batches.length; i += 2) {
        // Concurrent copies of one event meet IdempotencyAlreadyInProgress and are redelivered, as SQS would.
        await Promise.all(batches.slice(i, i + 2).map((b) => deliverUntilDone(w.registrar.handler, sqsBatch(b))));
      }
      let text = JSON.stringify(await zone(w));
      tasks.forEach((t, i) => (text = text.split(taskId(t)).join(`task${i}`).split(ipOf(t)).join(`ip${i}`)));
      const normalised = (JSON.parse(text) as { name: string; type: string; values: string[] }[])
        .map((r) => ({ ...r, values: [...r.values].sort() }))
        .sort((a, b) => `${a.name} ${a.type}`.localeCompare(`${b.name} ${b.type}`));
      outcomes.push(JSON.stringify(normalised));
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
    const final = JSON.parse(outcomes[0]);
    expect(find(final, `web.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 task2.web.${ZONE}.`, `1 1 8080 task3.web.${ZONE}.`]);
  });

  it('registers a bridge task with a dynamic host port at its EC2 instance private IP', async () => {
    const w = await world();
    const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const taskDefinition = await registerTaskDefinition({
      family: 'api',
      networkMode: 'bridge',
      containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
    });
    const [task] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance.containerInstanceArn, count: 1 });
    const event = taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:api', hostPorts: { 80: 32768 } });
    expect((await w.registrar.handler(sqsBatch([event]))).batchItemFailures).toEqual([]);
    const records = await zone(w);
    expect(find(records, `api.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 32768 ${taskId(task)}.api.${ZONE}.`]);
    expect(find(records, `${taskId(task)}.api.${ZONE}.`, 'A')?.values).toEqual([instance.privateIpAddress]);
    expect(find(records, `api.${ZONE}.`, 'A')).toBeUndefined(); // a host IP without the port would mislead
  });

  it('offers the RFC 2782 form: SRV at _<name>._tcp, each head name with its own ownership marker', async () => {
    const w = await world({ SRV_NAME_FORMAT: 'rfc2782' });
    const [task] = await webTasks(w, 1);
    expect((await w.registrar.handler(sqsBatch([running(task)]))).batchItemFailures).toEqual([]);
    const records = await zone(w);
    expect(records.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `A ${taskId(task)}.web.${ZONE}.`, `A web.${ZONE}.`, `SRV _web._tcp.${ZONE}.`, `TXT _web._tcp.${ZONE}.`, `TXT web.${ZONE}.`,
    ]);
    expect(find(records, `_web._tcp.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(task)}.web.${ZONE}.`]);
    expect((await w.registrar.handler(sqsBatch([stopped(task)]))).batchItemFailures).toEqual([]);
    expect(await zone(w)).toEqual([]);
  });

  it('waits for containers with a health check to be HEALTHY before registering', async () => {
    const w = await world();
    const { tasks: [task] } = await runService(w, 'checked', 1, {
      container: {
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health'], interval: 10, timeout: 2, retries: 3, startPeriod: 30 },
      },
    });
    const unknown = taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containerHealth: 'UNKNOWN' });
    expect((await w.registrar.handler(sqsBatch([unknown]))).batchItemFailures).toEqual([]);
    expect(await zone(w)).toEqual([]);
    expect(await w.registrar.store.get(task.taskArn!)).toMatchObject({ status: 'PENDING_HEALTH', awaitingHealthOf: ['app'], healthCheckStartPeriodSeconds: 30 });
    const healthy = taskStateChangeEvent(task, { version: 3, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containerHealth: 'HEALTHY' });
    expect((await w.registrar.handler(sqsBatch([healthy]))).batchItemFailures).toEqual([]);
    expect(find(await zone(w), `checked.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(task)}.checked.${ZONE}.`]);
  });

  it('rejects a service name that is not a DNS name with a clear log line and writes nothing for it', async () => {
    const w = await world();
    const [task] = await webTasks(w, 1, 'odd', [{ name: 'SERVICE_8080_NAME', value: 'my_service!' }]);
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(task)])));
    expect(result.batchItemFailures).toEqual([]);
    expect(await zone(w)).toEqual([]);
    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: expect.stringMatching(/^Endpoint not registered: SERVICE_8080_NAME rejected: .*"my_service!".*not a host name label/),
      field: 'SERVICE_8080_NAME',
      value: 'my_service!',
      taskArn: task.taskArn,
    });
  });

  it('registers 50 task starts of one service with a single ChangeResourceRecordSets call', async () => {
    const w = await world();
    const tasks = await webTasks(w, 50);
    guard().resetCalls();
    const result = await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))));
    expect(result.batchItemFailures).toEqual([]);
    expect(guard().count('ChangeResourceRecordSets')).toBe(1);
    const records = await zone(w);
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toHaveLength(50);
    expect(find(records, `web.${ZONE}.`, 'A')?.values).toHaveLength(50);
    expect(records.filter((r) => r.name.endsWith(`.web.${ZONE}.`) && r.type === 'A')).toHaveLength(50);
  });

  it('a warm container plans from what it last wrote: the next batch makes no read, one write', async () => {
    const w = await world();
    const tasks = await webTasks(w, 3);
    expect((await w.registrar.handler(sqsBatch([running(tasks[0])]))).batchItemFailures).toEqual([]);
    guard().resetCalls();
    expect((await w.registrar.handler(sqsBatch([running(tasks[1]), running(tasks[2])]))).batchItemFailures).toEqual([]);
    expect(guard().count('ListResourceRecordSets')).toBe(0);
    expect(guard().count('ChangeResourceRecordSets')).toBe(1);
    // Another container changes the name: the zone lease names it as the last writer, so our memory is dropped
    // and the name re-read before we write: no write of ours is rejected for our own concurrency.
    const other = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE }, {
      tables: { stateTableName: w.registrar.config.stateTableName, idempotencyTableName: w.registrar.config.idempotencyTableName! },
    });
    expect((await other.handler(sqsBatch([stopping(tasks[0])]))).batchItemFailures).toEqual([]);
    guard().resetCalls();
    expect((await w.registrar.handler(sqsBatch([stopping(tasks[1])]))).batchItemFailures).toEqual([]);
    expect(guard().calls.filter((c) => c.operation === 'ChangeResourceRecordSets').map((c) => c.status)).toEqual([200]);
    expect(guard().count('ListResourceRecordSets')).toBe(1);
    expect(find(await zone(w), `web.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(tasks[2])}.web.${ZONE}.`]);
  });

  it('reads the whole zone once instead of one read per name when a cold batch touches many names', async () => {
    const w = await world();
    const services = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
    const tasks = [];
    for (const name of services) tasks.push(...(await webTasks(w, 1, name, [{ name: 'SERVICE_8080_NAME', value: name }])));
    guard().resetCalls();
    expect((await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))))).batchItemFailures).toEqual([]);
    expect(guard().count('ListResourceRecordSets')).toBe(1);
    expect(guard().count('ChangeResourceRecordSets')).toBe(1);
    const records = await zone(w);
    for (const name of services) expect(find(records, `${name}.${ZONE}.`, 'SRV')?.values).toHaveLength(1);
  });

  it('loses nothing when four invocations register tasks of one service concurrently', async () => {
    const w = await world();
    const tasks = await webTasks(w, 40);
    const groups = [0, 1, 2, 3].map((g) => tasks.filter((_, i) => i % 4 === g));
    // A racing invocation re-reads and re-plans; one that keeps losing hands its records back for redelivery.
    const deliveries = await Promise.all(groups.map((g) => deliverUntilDone(w.registrar.handler, sqsBatch(g.map((t) => running(t))))));
    expect(Math.max(...deliveries)).toBeLessThanOrEqual(2);
    const records = await zone(w);
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toHaveLength(40);
    expect(find(records, `web.${ZONE}.`, 'A')?.values).toEqual(tasks.map(ipOf).sort());
  });

  it('does not lose a concurrent writer\'s update when its own plan was made from an older read (compare-and-swap)', async () => {
    const w = await world();
    const tasks = await webTasks(w, 6);
    let signalRead!: () => void;
    const aHasRead = new Promise<void>((resolve) => (signalRead = resolve));
    let releaseA!: () => void;
    const bDone = new Promise<void>((resolve) => (releaseA = resolve));
    let first = true;
    // Instance A reads the zone and its members, then stalls until instance B has registered its own tasks.
    const a = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, OWNER_ID: 'test-stack' }, {
      tables: { stateTableName: w.registrar.config.stateTableName, idempotencyTableName: w.registrar.config.idempotencyTableName! },
      afterMembersRead: async () => {
        if (!first) return;
        first = false;
        signalRead();
        await bDone;
      },
    });
    // The name already exists (and is owned), so only the compare on the record sets themselves can catch the race.
    expect((await w.registrar.handler(sqsBatch([running(tasks[0])]))).batchItemFailures).toEqual([]);
    const runA = a.handler(sqsBatch(tasks.slice(1, 3).map((t) => running(t))));
    await aHasRead;
    expect((await w.registrar.handler(sqsBatch(tasks.slice(3).map((t) => running(t))))).batchItemFailures).toEqual([]);
    releaseA();
    expect((await runA).batchItemFailures).toEqual([]);
    const records = await zone(w);
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toHaveLength(6);
    expect(find(records, `web.${ZONE}.`, 'A')?.values).toEqual(tasks.map(ipOf).sort());
  });

  it('changes nothing for tasks without metadata, other clusters and malformed events, and processes the rest', async () => {
    const w = await world({ CLUSTER_ARNS: 'demo' });
    const [plain] = await webTasks(w, 1, 'plain', []);
    const [good] = await webTasks(w, 1);
    const other = (await createCluster('other')).clusterArn;
    const [foreign] = await runAwsvpcTasks({ cluster: other, taskDefinition: good.taskDefinitionArn!, count: 1, group: 'service:web', vpc: w.vpc });
    const malformed = { id: 'bad-1', source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: { taskArn: 42 } };
    const { result, lines } = await captureLogs(() =>
      w.registrar.handler(sqsBatch([running(plain), running(foreign), malformed, '{not json', running(good)])),
    );
    expect(result.batchItemFailures).toEqual([]);
    const records = await zone(w);
    expect(records.map((r) => `${r.name} ${r.type}`).sort()).toEqual(
      [`web.${ZONE}. SRV`, `web.${ZONE}. A`, `web.${ZONE}. TXT`, `${taskId(good)}.web.${ZONE}. A`].sort(),
    );
    const messages = lines.map((l) => String(l.message));
    expect(messages.filter((m) => m.startsWith('Ignored task: no SERVICE'))).toHaveLength(1);
    expect(messages.filter((m) => m.startsWith('Ignored event: cluster is not in ClusterArns'))).toHaveLength(1);
    expect(messages.filter((m) => m.startsWith('Rejected message: not a valid ECS'))).toHaveLength(1);
    expect(messages.filter((m) => m.startsWith('Rejected message: body is not JSON'))).toHaveLength(1);
    const rejected = lines.find((l) => String(l.message).startsWith('Rejected message: not a valid'));
    expect(rejected?.level).toBe('ERROR');
    expect(JSON.stringify(rejected?.issues)).toMatch(/detail\.taskArn/);
    // No state was written for the ignored tasks.
    expect(await w.registrar.store.get(plain.taskArn!)).toBeUndefined();
    expect(await w.registrar.store.get(foreign.taskArn!)).toBeUndefined();
    // Every line about a task carries its correlation id, task ARN and service name.
    const taskLines = lines.filter((l) => l.taskArn === good.taskArn);
    expect(taskLines.length).toBeGreaterThan(0);
    for (const l of taskLines) expect(l).toMatchObject({ correlation_id: expect.any(String), serviceName: 'web' });
  });

  it('makes no Route 53 call for a duplicate delivery of the same event', async () => {
    const w = await world();
    const [task] = await webTasks(w, 1);
    const event = running(task);
    await w.registrar.handler(sqsBatch([event]));
    guard().resetCalls();
    expect((await w.registrar.handler(sqsBatch([event]))).batchItemFailures).toEqual([]);
    expect(guard().calls).toHaveLength(0);
  });

  it('retries throttling and PriorRequestNotComplete; a persistent failure leaves the name marked for the next drain', async () => {
    const w = await world();
    const tasks = await webTasks(w, 2);
    guard().injectFault({ operation: 'ChangeResourceRecordSets', code: 'PriorRequestNotComplete', times: 2 });
    guard().injectFault({ operation: 'ListResourceRecordSets', code: 'Throttling', times: 1 });
    expect((await w.registrar.handler(sqsBatch([running(tasks[0])]))).batchItemFailures).toEqual([]);
    expect(find(await zone(w), `web.${ZONE}.`, 'SRV')?.values).toHaveLength(1);
    const marks = new DirtyNames(w.registrar.config.stateTableName);
    expect(await marks.list()).toEqual([]);

    guard().injectFault({ operation: 'ChangeResourceRecordSets', code: 'Throttling', times: 1000 });
    try {
      // The state is durable (and its name marked dirty in the same transaction): the message is acknowledged.
      expect((await w.registrar.handler(sqsBatch([running(tasks[1])]), lambdaContext(3000))).batchItemFailures).toEqual([]);
      expect(find(await zone(w), `web.${ZONE}.`, 'SRV')?.values).toHaveLength(1);
      expect((await marks.list()).flatMap((m) => m.names)).toEqual(['web']);
    } finally {
      guard().clearFaults();
    }
    // The next invocation drains the name from state, although its own batch changes nothing.
    expect((await w.registrar.handler(sqsBatch([]))).batchItemFailures).toEqual([]);
    expect(find(await zone(w), `web.${ZONE}.`, 'SRV')?.values).toHaveLength(2);
    expect(await marks.list()).toEqual([]);
  });

  it('never touches a record it does not own, and a rejected change does not block the rest of the batch', async () => {
    const w = await world();
    const [web] = await webTasks(w, 1);
    const [db] = await webTasks(w, 1, 'db', [{ name: 'SERVICE_8080_NAME', value: 'db' }]);
    const [cache] = await webTasks(w, 1, 'cache', [{ name: 'SERVICE_8080_NAME', value: 'cache' }]);
    const { Route53Client, ChangeResourceRecordSetsCommand } = await import('@aws-sdk/client-route-53');
    const r53 = new Route53Client({ endpoint: motoUrl() });
    // Foreign: an A record at db.<zone> (someone else's), and a CNAME where cache's per-task record would go.
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: w.zoneId, ChangeBatch: { Changes: [
      { Action: 'CREATE', ResourceRecordSet: { Name: `db.${ZONE}`, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] } },
      { Action: 'CREATE', ResourceRecordSet: { Name: `${taskId(cache)}.cache.${ZONE}`, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'elsewhere.example.com' }] } },
    ] } }));
    guard().resetCalls();
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(web), running(db), running(cache)])));
    if (result.batchItemFailures.length) console.log(JSON.stringify(lines, null, 1));
    expect(result.batchItemFailures).toEqual([]);
    const records = await zone(w);
    expect(find(records, `db.${ZONE}.`, 'A')?.values).toEqual(['192.0.2.10']);
    expect(find(records, `db.${ZONE}.`, 'SRV')).toBeUndefined();
    expect(find(records, `${taskId(cache)}.cache.${ZONE}.`, 'CNAME')?.values).toEqual(['elsewhere.example.com']);
    expect(find(records, `cache.${ZONE}.`, 'SRV')).toBeUndefined();
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(web)}.web.${ZONE}.`]);
    const messages = lines.map((l) => String(l.message));
    // Both foreign holdings are ownership conflicts: db's head name, and cache's only task's per-task name (that
    // task is left out, so cache publishes nothing). Neither is retried.
    expect(messages.filter((m) => m === 'Record name is owned by someone else; not touching it')).toHaveLength(2);
  });

  it('recognises compare failures in the bare <InvalidChangeBatch> form the JS SDK cannot name', async () => {
    guard().invalidChangeBatchForm = 'InvalidChangeBatch';
    try {
      const w = await world();
      const tasks = await webTasks(w, 4);
      expect((await w.registrar.handler(sqsBatch([running(tasks[0])]))).batchItemFailures).toEqual([]);
      // Force a stale read: the second registrar plans from a zone that another writer (here a Route 53 backend
      // outside the zone writer, as a person or another tool would be) changes before it writes.
      let first = true;
      const late = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE }, {
        tables: { stateTableName: w.registrar.config.stateTableName, idempotencyTableName: w.registrar.config.idempotencyTableName! },
        afterMembersRead: async () => {
          if (!first) return;
          first = false;
          // tasks[1]'s state is stored and marked; its drain defers to `late`, which holds the zone
          expect((await w.registrar.handler(sqsBatch([running(tasks[1])]))).batchItemFailures).toEqual([]);
          const { config, store } = w.registrar;
          const outsider = route53BackendFor(config, (name) => store.members(name));
          await outsider.sync([{ serviceName: 'web', touchedTasks: [] }], { deadline: Date.now() + 10_000 });
        },
      });
      expect((await late.handler(sqsBatch([running(tasks[2]), running(tasks[3])]))).batchItemFailures).toEqual([]);
      expect(guard().calls.some((c) => c.operation === 'ChangeResourceRecordSets' && c.status === 400)).toBe(true);
      expect(find(await zone(w), `web.${ZONE}.`, 'SRV')?.values).toHaveLength(4);
    } finally {
      guard().invalidChangeBatchForm = 'ErrorResponse';
    }
  });
});

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function chunk<T>(items: T[], sizes: number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, k = 0; i < items.length; k++) {
    const size = sizes[k % sizes.length];
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

export { describeTasks };
