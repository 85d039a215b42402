// The zone writer when things go wrong (found by trying to break it): many names per task, a holder out of time or
// failing, a hung DynamoDB at release, the scheduled functions while another invocation holds the zone.
import type { Task } from '@aws-sdk/client-ecs';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  createTaskRegistrar,
  DirtyNames,
  listAllRecordSets,
  resetClients,
  route53BackendFor,
  runReconcile,
  TaskStateStore,
  ZoneLease,
  ZoneWriter,
  zoneWriterFor,
  type Config,
} from '@ecs-sd/core';
import { listRecords, taskStateChangeEvent } from '../../../support/ecs-scenario';
import { startHangingEndpoint } from '../../../support/hanging-endpoint';
import { motoUrl } from '../../../support/moto';
import { captureLogs, createRegistrar, lambdaContext, sqsBatch } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE } from '../../../support/world';
import { healthWorld, type HealthWorld } from '../health/health-world';

const guard = useRoute53Guard();
const running = (task: Task, version = 2) => taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
const stopped = (task: Task, version: number) => taskStateChangeEvent(task, { version, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' });
const srvOf = async (zoneId: string, name: string) =>
  (await listRecords(zoneId)).find((r) => r.type === 'SRV' && r.name === `${name}.${ZONE}.`)?.values ?? [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const markedNames = async (config: Config) => (await new DirtyNames(config.stateTableName).list()).flatMap((m) => m.names).sort();

function registrarWith(config: Config, store: TaskStateStore, remainingMs = 60_000, beforeRelease?: () => Promise<void>) {
  const writer = new ZoneWriter({
    tableName: config.stateTableName,
    provider: route53BackendFor(config, (name, options) => store.members(name, options)),
    beforeRelease,
  });
  const handler = createTaskRegistrar({ config, store, backend: writer, safetyMarginMs: 0 });
  return { writer, handler: (event: unknown) => handler(event, lambdaContext(remainingMs)) };
}

let world: HealthWorld | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await world?.close();
  world = undefined;
});

it('a task with 60 service names registers: its transaction holds one mark, not one per name', async () => {
  const w = await freshWorld({ guard: guard() });
  const reg = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const ports = Array.from({ length: 60 }, (_, i) => 9000 + i);
  const env = Object.fromEntries(ports.map((p, i) => [`SERVICE_${p}_NAME`, `s${i}`]));
  const { tasks } = await runService(w, 'many', 1, { container: { portMappings: ports.map((containerPort) => ({ containerPort })), environment: env } });
  const { result } = await captureLogs(() => reg.handler(sqsBatch([running(tasks[0])])));
  expect(result.batchItemFailures).toEqual([]);
  expect(await srvOf(w.zoneId, 's59')).toHaveLength(1);
  expect(await markedNames(reg.config)).toEqual([]);
});

it('a name handed off to a holder that runs out of time is drained by the next health-check run', async () => {
  world = await healthWorld(guard());
  const w = world;
  const ok = { kind: 'status', status: 200 } as const;
  const web = await w.startService('web', [ok, ok]);
  const api = await w.startService('api', [ok]);
  const { config, store } = w.registrar;
  const maker = registrarWith(config, store);
  let handedOff = false;
  const holder = registrarWith(config, store, 3000, async () => {
    if (handedOff) return;
    handedOff = true;
    expect((await maker.handler(sqsBatch([stopped(api[0].task, 50)]))).batchItemFailures).toEqual([]);
    await sleep(3200); // the holder's time runs out before it can run the handed-off round
  });
  await captureLogs(() => holder.handler(sqsBatch([stopped(web[1].task, 50)])));
  expect(await markedNames(config)).toEqual(['api']);
  await captureLogs(() => w.run());
  expect(await markedNames(config)).toEqual([]);
  expect(await srvOf(w.zoneId, 'api')).toEqual([]);
}, 60_000);

it('a drain that fails gives the lease back: the next invocation drains its own name', async () => {
  const w = await freshWorld({ guard: guard() });
  const { config, store } = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const { tasks: web } = await runService(w, 'web', 1);
  const { tasks: api } = await runService(w, 'api', 1);
  const a = registrarWith(config, store);
  const b = registrarWith(config, store);
  jest.spyOn(DirtyNames.prototype, 'clear').mockImplementationOnce(async () => {
    throw Object.assign(new Error('injected internal error'), { name: 'InternalServerError' });
  });
  const first = await captureLogs(() => a.handler(sqsBatch([running(web[0])])));
  expect(first.result.batchItemFailures).toEqual([]);
  expect(first.lines.some((l) => l.message === 'Draining the dirty names failed; they stay marked for the next drain')).toBe(true);
  expect((await captureLogs(() => b.handler(sqsBatch([running(api[0])])))).result.batchItemFailures).toEqual([]);
  expect(await srvOf(w.zoneId, 'api')).toEqual([`1 1 8080 ${taskId(api[0])}.api.${ZONE}.`]);
  expect(await markedNames(config)).toEqual([]);
});

it('a holder that wrote and then failed is known as the last writer: the next holder re-reads, nothing is rejected', async () => {
  const w = await freshWorld({ guard: guard() });
  const { config, store } = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const { tasks: web } = await runService(w, 'web', 3);
  const b = registrarWith(config, store);
  expect((await b.handler(sqsBatch([running(web[0])]))).batchItemFailures).toEqual([]);
  const a = registrarWith(config, store, 1500);
  jest.spyOn(DirtyNames.prototype, 'clear').mockImplementationOnce(async () => {
    throw Object.assign(new Error('injected internal error'), { name: 'InternalServerError' });
  });
  await captureLogs(() => a.handler(sqsBatch([running(web[1])]))); // a wrote web, then its drain failed
  jest.restoreAllMocks();
  guard().resetCalls();
  expect((await captureLogs(() => b.handler(sqsBatch([running(web[2])])))).result.batchItemFailures).toEqual([]);
  expect(guard().calls.filter((c) => c.operation === 'ChangeResourceRecordSets' && c.status !== 200)).toEqual([]);
  expect(await srvOf(w.zoneId, 'web')).toHaveLength(3);
});

it('the health checker while another invocation holds the zone: no failure reported, no stop while the task is in DNS', async () => {
  world = await healthWorld(guard());
  const w = world;
  const ok = { kind: 'status', status: 200 } as const;
  const fail500 = { kind: 'status', status: 500 } as const;
  const [bad] = await w.startService('web', [fail500, ok, ok]);
  await w.run();
  await w.run();
  const other = new ZoneLease(w.registrar.config.stateTableName, 'another-container');
  expect(await other.acquire(Date.now() + 120_000, Date.now() + 5_000)).toBeDefined();
  const third = await captureLogs(() => w.run());
  expect(third.result.deregistered).toEqual([bad.taskArn]);
  expect(third.result.syncFailures).toEqual([]);
  expect(third.lines.filter((l) => l.level === 'ERROR')).toEqual([]);
  const fourth = await captureLogs(() => w.run());
  const inDns = (await w.records()).some((r) => r.type === 'A' && r.name === `${bad.taskId}.web.${ZONE}.`);
  expect(inDns).toBe(true); // the holder has not drained (it is a stand-in that never does)
  expect(fourth.result.stopped).toEqual([]);
}, 120_000);

describe('a hung DynamoDB at the lease release', () => {
  afterEach(() => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = motoUrl();
    resetClients();
  });
  it('does not keep the registrar past its deadline', async () => {
    const w = await freshWorld({ guard: guard() });
    const { config, store } = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { tasks } = await runService(w, 'web', 1);
    const hanging = await startHangingEndpoint();
    try {
      const holder = registrarWith(config, store, 6000, async () => {
        process.env.AWS_ENDPOINT_URL_DYNAMODB = hanging.url;
        resetClients();
      });
      const deadline = Date.now() + 6000;
      const { result } = await captureLogs(() => holder.handler(sqsBatch([running(tasks[0])])));
      expect(result.batchItemFailures).toEqual([]);
      expect(Date.now()).toBeLessThan(deadline + 1000);
    } finally {
      await hanging.close();
    }
  }, 60_000);
});

it('a reconciler repair made while another invocation briefly holds the zone is still counted, once', async () => {
  const w = await freshWorld({ guard: guard() });
  const reg = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const { tasks } = await runService(w, 'web', 2);
  expect((await reg.handler(sqsBatch(tasks.map((t) => running(t))))).batchItemFailures).toEqual([]);
  const { config, store } = reg;
  const deps = {
    config,
    store,
    backend: zoneWriterFor(config, (name) => store.members(name)),
    listRecords: (deadline: number) => listAllRecordSets(config.hostedZoneId, { deadline }),
  };
  const r53 = new Route53Client({ endpoint: motoUrl() });
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: w.zoneId, ChangeBatch: { Changes: [
    { Action: 'DELETE', ResourceRecordSet: { Name: `${taskId(tasks[0])}.web.${ZONE}.`, Type: 'A', TTL: 10, ResourceRecords: [{ Value: ipOf(tasks[0]) }] } },
  ] } }));
  r53.destroy();
  // Another invocation holds the zone for 3 s (and then dies): the reconciler waits for the lease, then repairs.
  expect(await new ZoneLease(config.stateTableName, 'another-container').acquire(Date.now() + 3000, Date.now() + 5000)).toBeDefined();
  const first = await captureLogs(() => runReconcile(deps, Date.now() + 40_000));
  const second = await captureLogs(() => runReconcile(deps, Date.now() + 40_000));
  expect((await listRecords(w.zoneId)).some((r) => r.name === `${taskId(tasks[0])}.web.${ZONE}.`)).toBe(true);
  expect(first.result.counts.MissingRecords + second.result.counts.MissingRecords).toBe(1);
}, 120_000);
