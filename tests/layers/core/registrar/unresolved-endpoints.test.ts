// Tasks whose endpoints cannot be resolved (yet), and IPv6 addresses, through the real registrar against moto
// (ECS and EC2 behind a fault proxy, Route 53 behind the guard):
//   - an awsvpc ENI with an IPv6 address (IPv6-only or dual-stack) gives endpoints that carry it;
//   - a bridge task RUNNING before its networkBindings is UNRESOLVED, not REGISTERED with nothing, and its next event
//     resolves it, even at the same version;
//   - a host whose lookup fails permanently leaves the task UNRESOLVED and the message consumed, with one ERROR
//     line; a transient failure is a batch item failure (redelivered).
import { isIP } from 'node:net';
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { DeregisterContainerInstanceCommand, ECSClient } from '@aws-sdk/client-ecs';
import { AssignIpv6AddressesCommand, DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { metrics, type TaskState } from '@ecs-sd/core';
import { useAwsFaultProxy, type AwsFaultProxy } from '../../../support/aws-fault-proxy';
import {
  listRecords,
  registerEc2ContainerInstance,
  registerTaskDefinition,
  runBridgeTasks,
  taskStateChangeEvent,
  type ScenarioContainerInstance,
  using,
} from '../../../support/ecs-scenario';
import { withEniAddresses, withoutBindings } from '../../../support/event-shapes';
import { motoUrl } from '../../../support/moto';
import { captureLogs, createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';

const guard = useRoute53Guard();
const proxy = useAwsFaultProxy(motoUrl);

const V6 = '2600:1f18:4a3:6d01:5e1f:93b2:c07a:41d6';

interface World extends EcsWorld {
  registrar: RegistrarFixture;
}

async function world(): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  return { ...w, registrar: await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE }) };
}

/** Runs `fn` with its log and EMF lines captured (kept out of the test output). */
const quiet = async <T>(fn: () => Promise<T>): Promise<T> => (await captureLogs(fn)).result;

const handle = (w: World, event: Parameters<RegistrarFixture['handler']>[0]) => quiet(() => w.registrar.handler(event));

const running = (task: Task, version = 2) => taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
const state = (w: World, task: Task) => w.registrar.store.get(task.taskArn!) as Promise<TaskState>;
const emf = (lines: Record<string, unknown>[], metric: string) =>
  lines.filter((l) => '_aws' in l && metric in l).flatMap((l) => [l[metric]].flat());

const ec2 = <T>(fn: (client: EC2Client) => Promise<T>) => using(new EC2Client({}), fn);
const ecs = <T>(fn: (client: ECSClient) => Promise<T>) => using(new ECSClient({}), fn);

/** No A record may carry an empty value or anything but an IPv4 literal (Route 53 would reject it; moto does not). */
async function expectValidARecords(w: World) {
  const records = await listRecords(w.zoneId);
  for (const r of records.filter((r) => r.type === 'A')) {
    expect({ name: r.name, values: r.values.filter((v) => isIP(v) !== 4) }).toEqual({ name: r.name, values: [] });
    expect(r.values.length).toBeGreaterThan(0);
  }
  return records;
}

describe('IPv6 addresses of awsvpc tasks', () => {
  it('an IPv6-only task is stored with its IPv6 address and published by AAAA only (no empty A record)', async () => {
    const w = await world();
    const { tasks: [task] } = await runService(w, 'web', 1);
    const event = withEniAddresses(running(task), { ipv6: V6 });
    expect((await handle(w, sqsBatch([event]))).batchItemFailures).toEqual([]);
    const stored = await state(w, task);
    expect(stored.status).toBe('REGISTERED');
    expect(stored.registeredNames).toEqual(['web']);
    expect(stored.endpoints).toEqual([expect.objectContaining({ name: 'web', ipv6: V6, port: 8080, awsvpc: true })]);
    expect(stored.endpoints[0]).not.toHaveProperty('ip');
    const records = await expectValidARecords(w);
    // Published by AAAA only: the per-task name (the SRV target) and the service name.
    const at = (name: string, type: string) => records.find((r) => r.name === name && r.type === type)?.values;
    expect(at(`${taskId(task)}.web.${ZONE}.`, 'AAAA')).toEqual([V6]);
    expect(at(`web.${ZONE}.`, 'AAAA')).toEqual([V6]);
    expect(at(`web.${ZONE}.`, 'SRV')).toEqual([`1 1 8080 ${taskId(task)}.web.${ZONE}.`]);
    expect(records.filter((r) => r.type === 'A')).toEqual([]);
  });

  it('a dual-stack task keeps both addresses and is published by A and AAAA', async () => {
    const w = await world();
    const { tasks: [task] } = await runService(w, 'web', 1);
    const event = withEniAddresses(running(task), { ipv4: ipOf(task), ipv6: V6 });
    expect((await handle(w, sqsBatch([event]))).batchItemFailures).toEqual([]);
    const stored = await state(w, task);
    expect(stored.endpoints).toEqual([expect.objectContaining({ ip: ipOf(task), ipv6: V6, port: 8080 })]);
    const records = await expectValidARecords(w);
    const at = (name: string, type: string) => records.find((r) => r.name === name && r.type === type)?.values;
    expect(at(`${taskId(task)}.web.${ZONE}.`, 'A')).toEqual([ipOf(task)]);
    expect(at(`${taskId(task)}.web.${ZONE}.`, 'AAAA')).toEqual([V6]);
    expect(at(`web.${ZONE}.`, 'A')).toEqual([ipOf(task)]);
    expect(at(`web.${ZONE}.`, 'AAAA')).toEqual([V6]);
  });

  it('an address that is not an IP literal is ignored with one WARN line naming the field; with none left the task is UNRESOLVED', async () => {
    const w = await world();
    const { tasks: [a, b] } = await runService(w, 'web', 2);
    const { result, lines } = await captureLogs(() =>
      w.registrar.handler(
        sqsBatch([
          withEniAddresses(running(a), { ipv4: '10.0.1.300', ipv6: V6 }),
          withEniAddresses(running(b), { ipv4: 'localhost', ipv6: '2600:zz::1' }),
        ]),
      ),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect((await state(w, a)).endpoints).toEqual([expect.objectContaining({ ipv6: V6 })]);
    expect((await state(w, a)).endpoints[0]).not.toHaveProperty('ip');
    expect(await state(w, b)).toMatchObject({ status: 'UNRESOLVED', registeredNames: [], endpoints: [] });
    const warnings = lines.filter((l) => l.message === 'Ignored an invalid field of the task event');
    // one line per bad value, although every container repeats the ENI address
    expect(warnings.map((l) => [l.taskArn, l.field]).sort()).toEqual(
      [
        [a.taskArn, 'detail.attachments[eni].details.privateIPv4Address'],
        [b.taskArn, 'detail.attachments[eni].details.privateIPv4Address'],
        [b.taskArn, 'detail.attachments[eni].details.ipv6Address'],
      ].sort(),
    );
    for (const l of warnings) expect(l.level).toBe('WARN');
    await expectValidARecords(w);
  });
});

interface Bridge {
  instance: ScenarioContainerInstance;
  taskDefinition: TaskDefinition;
  task: Task;
}

async function bridgeTask(w: World, options: { instance?: ScenarioContainerInstance; admin?: boolean } = {}): Promise<Bridge> {
  const instance = options.instance ?? (await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc }));
  const taskDefinition = await registerTaskDefinition({
    family: 'api',
    networkMode: 'bridge',
    containers: [
      { name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: { SERVICE_80_NAME: 'api' } },
      ...(options.admin
        ? [{ name: 'admin', portMappings: [{ containerPort: 9000, hostPort: 0 }], environment: { SERVICE_9000_NAME: 'admin' } }]
        : []),
    ],
  });
  const [task] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance, count: 1, group: 'service:api' });
  return { instance, taskDefinition, task };
}

const bridgeRunning = (b: Bridge, version = 2) =>
  taskStateChangeEvent(b.task, {
    version,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    group: 'service:api',
    taskDefinition: b.taskDefinition,
    hostPorts: { 80: 32768, 9000: 32769 },
  });

describe('a bridge task RUNNING before its networkBindings', () => {
  it('is UNRESOLVED with nothing registered, and a later event at the SAME version with the bindings registers it', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([withoutBindings(bridgeRunning(b))])));
    expect(result.batchItemFailures).toEqual([]);
    expect(await state(w, b.task)).toMatchObject({
      status: 'UNRESOLVED',
      version: 2,
      registeredNames: [],
      endpoints: [],
      unresolved: [{ containerName: 'api', containerPort: 80, protocol: 'tcp', reason: expect.stringMatching(/host port binding/) }],
    });
    expect(lines.find((l) => String(l.message).startsWith('Endpoints cannot be resolved yet'))?.level).toBe('WARN');
    expect(await listRecords(w.zoneId)).toEqual([]);

    // ECS fills the bindings in without a new version.
    expect((await handle(w, sqsBatch([bridgeRunning(b, 2)]))).batchItemFailures).toEqual([]);
    const stored = await state(w, b.task);
    expect(stored).toMatchObject({ status: 'REGISTERED', version: 2, registeredNames: ['api'] });
    expect(stored.unresolved).toBeUndefined();
    expect(stored.endpoints).toEqual([expect.objectContaining({ ip: b.instance.privateIpAddress, port: 32768 })]);
    const records = await listRecords(w.zoneId);
    expect(records.find((r) => r.type === 'SRV')?.values).toEqual([`1 1 32768 ${taskId(b.task)}.api.${ZONE}.`]);
  });

  it('is resolved by a newer event too, and a stop while UNRESOLVED leaves only a tombstone', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    const [one, two] = [b, await bridgeTask(w, { instance: b.instance })];
    await handle(w, sqsBatch([withoutBindings(bridgeRunning(one)), withoutBindings(bridgeRunning(two))]));
    expect((await state(w, one.task)).status).toBe('UNRESOLVED');
    expect((await state(w, two.task)).status).toBe('UNRESOLVED');
    const stop = taskStateChangeEvent(two.task, { version: 3, lastStatus: 'RUNNING', desiredStatus: 'STOPPED', group: 'service:api' });
    expect((await handle(w, sqsBatch([bridgeRunning(one, 3), stop]))).batchItemFailures).toEqual([]);
    expect(await state(w, one.task)).toMatchObject({ status: 'REGISTERED', registeredNames: ['api'] });
    expect(await state(w, two.task)).toMatchObject({ status: 'STOPPED', registeredNames: [], expiresAt: expect.any(Number) });
    // a late duplicate of the unresolved RUNNING event does not bring the stopped task back
    expect((await handle(w, sqsBatch([bridgeRunning(two, 2)]))).batchItemFailures).toEqual([]);
    expect((await state(w, two.task)).status).toBe('STOPPED');
    expect((await listRecords(w.zoneId)).find((r) => r.type === 'SRV')?.values).toEqual([`1 1 32768 ${taskId(one.task)}.api.${ZONE}.`]);
  });

  it('registers the ports that resolve, keeps the others unresolved, and adds them when their bindings arrive', async () => {
    const w = await world();
    const b = await bridgeTask(w, { admin: true });
    expect((await handle(w, sqsBatch([withoutBindings(bridgeRunning(b), ['admin'])]))).batchItemFailures).toEqual([]);
    expect(await state(w, b.task)).toMatchObject({
      status: 'REGISTERED',
      registeredNames: ['api'],
      unresolved: [{ containerName: 'admin', containerPort: 9000, reason: expect.stringMatching(/binding/) }],
    });
    expect((await handle(w, sqsBatch([bridgeRunning(b, 2)]))).batchItemFailures).toEqual([]);
    const stored = await state(w, b.task);
    expect(stored.registeredNames).toEqual(['admin', 'api']);
    expect(stored.unresolved).toBeUndefined();
    const records = await listRecords(w.zoneId);
    expect(records.find((r) => r.type === 'SRV' && r.name === `admin.${ZONE}.`)?.values).toEqual([`1 1 32769 ${taskId(b.task)}.admin.${ZONE}.`]);
  });

  it('on a dual-stack EC2 host, the endpoints carry the host IPv6 address too', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    const hostV6 = '2600:1f18:4a3:6d01::10';
    await ec2(async (client) => {
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [b.instance.ec2InstanceId] }));
      const eni = out.Reservations![0].Instances![0].NetworkInterfaces![0].NetworkInterfaceId!;
      await client.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: eni, Ipv6Addresses: [hostV6] }));
    });
    expect((await handle(w, sqsBatch([bridgeRunning(b)]))).batchItemFailures).toEqual([]);
    expect((await state(w, b.task)).endpoints).toEqual([
      expect.objectContaining({ ip: b.instance.privateIpAddress, ipv6: hostV6, port: 32768, awsvpc: false }),
    ]);
  });
});

interface PermanentCase {
  name: string;
  reason: RegExp;
  /** makes the host of `b` unresolvable */
  breakHost: (b: Bridge, p: AwsFaultProxy) => Promise<void>;
}

const permanent: PermanentCase[] = [
  {
    name: 'the container instance is deregistered (DescribeContainerInstances failure MISSING)',
    reason: /MISSING/,
    breakHost: (b) =>
      ecs((c) => c.send(new DeregisterContainerInstanceCommand({ cluster: b.task.clusterArn, containerInstance: b.instance.containerInstanceArn, force: true }))).then(() => undefined),
  },
  {
    name: 'the EC2 instance is terminated',
    reason: /is terminated/,
    breakHost: (b) => ec2((c) => c.send(new TerminateInstancesCommand({ InstanceIds: [b.instance.ec2InstanceId] }))).then(() => undefined),
  },
  {
    name: 'the EC2 instance does not exist (InvalidInstanceID.NotFound)',
    reason: /does not exist/,
    breakHost: async (_b, p) => p.injectFault({ operation: 'DescribeInstances', code: 'InvalidInstanceID.NotFound', times: 100 }),
  },
  {
    name: 'ECS denies DescribeContainerInstances (AccessDeniedException)',
    reason: /AccessDeniedException/,
    breakHost: async (_b, p) => p.injectFault({ operation: 'DescribeContainerInstances', code: 'AccessDeniedException', times: 100 }),
  },
  {
    name: 'EC2 denies DescribeInstances (UnauthorizedOperation)',
    reason: /UnauthorizedOperation/,
    breakHost: async (_b, p) =>
      p.injectFault({ operation: 'DescribeInstances', code: 'UnauthorizedOperation', status: 403, times: 100 }),
  },
];

describe('host address lookup failures', () => {
  it.each(permanent)('permanent: $name -> UNRESOLVED, message consumed, one ERROR line, HostLookupFailures', async (c) => {
    const w = await world();
    await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc }); // moto needs one left after a deregistration
    const b = await bridgeTask(w);
    await c.breakHost(b, proxy());
    metrics.clearMetrics();
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([bridgeRunning(b)])));
    expect(result.batchItemFailures).toEqual([]);
    const stored = await state(w, b.task);
    expect(stored).toMatchObject({ status: 'UNRESOLVED', registeredNames: [], endpoints: [] });
    expect(stored.unresolved).toEqual([
      expect.objectContaining({ containerName: 'api', containerPort: 80, reason: expect.stringContaining(b.instance.containerInstanceArn) }),
    ]);
    expect(stored.unresolved![0].reason).toMatch(c.reason);
    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: expect.stringMatching(/^Host address lookup failed permanently/),
      containerInstanceArn: b.instance.containerInstanceArn,
      reason: expect.stringMatching(c.reason),
      taskArn: b.task.taskArn,
    });
    expect(emf(lines, 'HostLookupFailures')).toEqual([1]);
    expect(await listRecords(w.zoneId)).toEqual([]);
  });

  it.each([
    { name: 'ECS throttles DescribeContainerInstances', operation: 'DescribeContainerInstances', code: 'ThrottlingException', status: 400 },
    { name: 'EC2 answers 500 to DescribeInstances', operation: 'DescribeInstances', code: 'InternalError', status: 500 },
  ])('transient: $name -> batch item failure (redelivered), while a permanent failure in the same batch is consumed', async (c) => {
    const w = await world();
    const gone = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const flaky = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const onGone = await bridgeTask(w, { instance: gone });
    const onFlaky = await bridgeTask(w, { instance: flaky });
    await ecs((client) => client.send(new DeregisterContainerInstanceCommand({ cluster: w.clusterArn, containerInstance: gone.containerInstanceArn, force: true })));
    // Only calls that ask about the flaky host fail (the batched call asks about both; each task then asks alone).
    const key = c.operation === 'DescribeInstances' ? flaky.ec2InstanceId : flaky.containerInstanceArn.split('/').pop()!;
    proxy().injectFault({ operation: c.operation, code: c.code, status: c.status, times: 1000, bodyIncludes: key });
    const batch = sqsBatch([bridgeRunning(onGone), bridgeRunning(onFlaky)]);
    const { result, lines } = await captureLogs(() => w.registrar.handler(batch));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[1].messageId }]);
    expect((await state(w, onGone.task)).status).toBe('UNRESOLVED');
    expect(await w.registrar.store.get(onFlaky.task.taskArn!)).toBeUndefined();
    expect(lines.filter((l) => String(l.message).startsWith('Event processing failed')).map((l) => l.taskArn)).toEqual([onFlaky.task.taskArn]);

    proxy().clear();
    expect((await handle(w, { Records: [batch.Records[1]] })).batchItemFailures).toEqual([]);
    expect(await state(w, onFlaky.task)).toMatchObject({ status: 'REGISTERED', registeredNames: ['api'] });
  });

  it('transient: ECS neither describes the container instance nor reports it missing -> batch item failure', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    proxy().rewrite('DescribeContainerInstances', () => ({ containerInstances: [], failures: [] }));
    const batch = sqsBatch([bridgeRunning(b)]);
    const { result } = await captureLogs(() => w.registrar.handler(batch));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0].messageId }]);
    expect(await w.registrar.store.get(b.task.taskArn!)).toBeUndefined();
  });
});
