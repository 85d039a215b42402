// The write path's hardening (kinds 6, 8b, 8c and 9 of the hardening issue), end to end: the real registrar and
// reconciler, real SDK clients, moto behind the Route 53 guard.
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { Task } from '@aws-sdk/client-ecs';
import { listAllRecordSets, zoneWriterFor, runReconcile, type ReconcilerDeps } from '@ecs-sd/core';
import { parseChangeBatch } from '../../../support/route53-guard';
import { listRecords, registerEc2ContainerInstance, registerTaskDefinition, runBridgeTasks, taskStateChangeEvent } from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';
import { motoUrl } from '../../../support/moto';

const guard = useRoute53Guard();

interface World extends EcsWorld {
  registrar: RegistrarFixture;
}

async function world(hooks: Parameters<typeof createRegistrar>[1] = {}, env: Record<string, string> = {}): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  return { ...w, registrar: await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, ...env }, hooks) };
}

const running = (task: Task, version = 2) => taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
const stopping = (task: Task, version = 3) => taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' });
const changeCalls = () => guard().calls.filter((c) => c.operation === 'ChangeResourceRecordSets');
const find = (records: Awaited<ReturnType<typeof listRecords>>, name: string, type: string) =>
  records.find((r) => r.name === name && r.type === type);

function reconcilerFor(w: World, listRecords?: ReconcilerDeps['listRecords']): ReconcilerDeps {
  const { config, store } = w.registrar;
  return {
    config,
    store,
    backend: zoneWriterFor(config, (name) => store.members(name)),
    listRecords: listRecords ?? ((deadline) => listAllRecordSets(config.hostedZoneId, { deadline })),
  };
}

describe('kind 6: no record waits for another (sequential and FIFO processing)', () => {
  it('finishes with sequential processing and still syncs the whole batch in one write', async () => {
    const w = await world({ sequential: true });
    const { tasks } = await runService(w, 'web', 3);
    guard().resetCalls();
    const result = await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))));
    expect(result.batchItemFailures).toEqual([]);
    expect(changeCalls()).toHaveLength(1);
    expect(find(await listRecords(w.zoneId), `web.${ZONE}.`, 'SRV')?.values).toHaveLength(3);
  }, 20_000);

  it('processes a FIFO batch in order: after a failed message, every later one is failed too', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 3);
    const broken = running(tasks[1]);
    broken.detail.taskDefinitionArn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/missing:1';
    const batch = sqsBatch([running(tasks[0]), broken, running(tasks[2])]);
    for (const r of batch.Records) {
      r.eventSourceARN = 'arn:aws:sqs:us-east-1:123456789012:task-events.fifo';
      r.attributes.MessageGroupId = 'demo';
    }
    const { result } = await captureLogs(() => w.registrar.handler(batch));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(batch.Records.slice(1).map((r) => r.messageId));
    expect(find(await listRecords(w.zoneId), `web.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(tasks[0])}.web.${ZONE}.`]);
  }, 20_000);
});

describe('kind 8(b): only real changes are written; a quiet zone costs no write and no repair', () => {
  it('a quiet zone run through the reconciler twice: zero Route 53 writes, zero repairs', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 3);
    await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))));
    const deps = reconcilerFor(w);
    guard().resetCalls();
    for (let run = 0; run < 2; run++) {
      const report = await runReconcile(deps, Date.now() + 30_000);
      expect(report.repairs).toEqual([]);
    }
    expect(changeCalls()).toHaveLength(0);
  });

  it('same-version replays of every event (new envelope ids) make no write', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 3);
    await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))));
    guard().resetCalls();
    const replays = tasks.map((t) => ({ ...running(t), id: `replay-${taskId(t)}` }));
    expect((await w.registrar.handler(sqsBatch(replays))).batchItemFailures).toEqual([]);
    expect(changeCalls()).toHaveLength(0);
  });

  it('a registration that lands between the reconciler\'s zone scan and its sync is not counted as drift', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 2);
    await w.registrar.handler(sqsBatch([running(tasks[0])]));
    const staleScan = await listAllRecordSets(w.zoneId, { deadline: Date.now() + 10_000 });
    await w.registrar.handler(sqsBatch([running(tasks[1])]));
    guard().resetCalls();
    const report = await runReconcile(reconcilerFor(w, async () => staleScan), Date.now() + 30_000);
    expect(report.repairs).toEqual([]);
    expect(changeCalls()).toHaveLength(0);
  });
});

describe('kind 8(c): a write planned from memory onto a name that became foreign', () => {
  it('is re-read and reported as an ownership conflict, not dropped as invalid', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 2);
    await w.registrar.handler(sqsBatch([running(tasks[0])]));
    await w.registrar.handler(sqsBatch([stopping(tasks[0])])); // this container now remembers web as empty
    expect(await listRecords(w.zoneId)).toEqual([]);
    const r53 = new Route53Client({ endpoint: motoUrl() });
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: w.zoneId, ChangeBatch: { Changes: [
      { Action: 'CREATE', ResourceRecordSet: { Name: `web.${ZONE}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'lb.example.com' }] } },
    ] } }));
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(tasks[1])])));
    expect(result.batchItemFailures).toEqual([]);
    const messages = lines.filter((l) => l.level === 'ERROR').map((l) => l.message);
    expect(messages).toEqual(['Record name is owned by someone else; not touching it']);
    expect((await listRecords(w.zoneId)).map((r) => `${r.type} ${r.name}`)).toEqual([`CNAME web.${ZONE}.`]);
  });

  it('a per-task name taken by someone else after it was remembered: that task is left out, the rest converge', async () => {
    const w = await world();
    const { tasks } = await runService(w, 'web', 2);
    await w.registrar.handler(sqsBatch([running(tasks[0])]));
    const r53 = new Route53Client({ endpoint: motoUrl() });
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: w.zoneId, ChangeBatch: { Changes: [
      { Action: 'CREATE', ResourceRecordSet: { Name: `${taskId(tasks[1])}.web.${ZONE}`, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x.example.com' }] } },
    ] } }));
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(tasks[1])])));
    expect(result.batchItemFailures).toEqual([]);
    expect(lines.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual([
      'Record name is owned by someone else; not touching it',
    ]);
    const records = await listRecords(w.zoneId);
    expect(find(records, `web.${ZONE}.`, 'SRV')?.values).toEqual([`1 1 8080 ${taskId(tasks[0])}.web.${ZONE}.`]);
    expect(find(records, `${taskId(tasks[1])}.web.${ZONE}.`, 'CNAME')?.values).toEqual(['x.example.com']);
  });
});

describe('kind 9: one published subset per name; an atomic unit is never split', () => {
  // Long service name: each SRV value is ~120 characters, so ~125 tasks fill the SRV set's share of a request.
  const service = 'a-deliberately-long-service-name.so-that-every-srv-value-is-long';
  const fakeTask = (i: number, taskDefinitionArn: string, clusterArn: string): Task => ({
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/demo/${i.toString(16).padStart(32, '0')}`,
    clusterArn,
    taskDefinitionArn,
    group: `service:${service}`,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    launchType: 'FARGATE',
    containers: [{ name: 'app', lastStatus: 'RUNNING' }],
    attachments: [
      { id: `eni-${i}`, type: 'ElasticNetworkInterface', status: 'ATTACHED', details: [{ name: 'privateIPv4Address', value: `10.1.${i >> 8}.${i & 255}` }] },
    ],
    overrides: { containerOverrides: [] },
  });

  it('a rolling replacement too large for one request publishes fewer tasks, in one request, the same in SRV, A and per-task records', async () => {
    const w = await world();
    const td = await registerTaskDefinition({
      family: 'big',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: { SERVICE_8080_NAME: service } }],
    });
    const tasks = Array.from({ length: 130 }, (_, i) => fakeTask(i + 1, td.taskDefinitionArn!, w.clusterArn));
    expect((await w.registrar.handler(sqsBatch(tasks.map((t) => running(t))))).batchItemFailures).toEqual([]);
    // Half the tasks stop and as many new ones start, in one batch: SRV, service A and per-task records all change.
    const replacements = Array.from({ length: 65 }, (_, i) => fakeTask(1000 + i, td.taskDefinitionArn!, w.clusterArn));
    guard().resetCalls();
    const { result, lines } = await captureLogs(() =>
      w.registrar.handler(sqsBatch([...tasks.slice(0, 65).map((t) => stopping(t)), ...replacements.map((t) => running(t))])),
    );
    expect(result.batchItemFailures).toEqual([]);
    const writes = changeCalls();
    expect(writes).toHaveLength(1); // the whole unit in one request: never split
    expect(writes[0].status).toBe(200);
    expect(parseChangeBatch(writes[0].body).length).toBeGreaterThan(0);
    expect(lines.some((l) => l.message === 'Not every task of the service name is published: Route 53 limits')).toBe(true);

    const records = await listRecords(w.zoneId);
    const head = `${service}.${ZONE}.`;
    const srvTasks = find(records, head, 'SRV')!.values.map((v) => v.split(' ')[3].split('.')[0]).sort();
    const perTask = records.filter((r) => r.type === 'A' && r.name.endsWith(`.${head}`)).map((r) => r.name.split('.')[0]).sort();
    const serviceIps = find(records, head, 'A')!.values.length;
    expect(srvTasks.length).toBeLessThan(130);
    expect(perTask).toEqual(srvTasks);
    expect(serviceIps).toBe(srvTasks.length);
  }, 60_000);
});

describe('HostAddressRecords: a service-level A record for bridge and host tasks, on request', () => {
  it('lists each host address once, in the same subset as the SRV set; off by default', async () => {
    for (const setting of ['true', 'false']) {
      const w = await world({}, { HOST_ADDRESS_RECORDS: setting });
      const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
      const taskDefinition = await registerTaskDefinition({
        family: 'api',
        networkMode: 'bridge',
        containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
      });
      const tasks = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance.containerInstanceArn, count: 2 });
      const events = tasks.map((task, i) =>
        taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:api', hostPorts: { 80: 32768 + i } }),
      );
      expect((await w.registrar.handler(sqsBatch(events))).batchItemFailures).toEqual([]);
      const records = await listRecords(w.zoneId);
      expect(find(records, `api.${ZONE}.`, 'SRV')?.values).toHaveLength(2);
      expect(find(records, `api.${ZONE}.`, 'A')?.values).toEqual(setting === 'true' ? [instance.privateIpAddress] : undefined);
    }
  }, 30_000);
});
