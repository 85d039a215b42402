// The reconciler and tasks it cannot settle from a single event, against moto (ECS and EC2 behind a fault proxy that
// answers as ECS does where moto cannot, Route 53 behind the guard):
//   - UNRESOLVED tasks (no address or host port binding yet, or a host lookup that failed permanently) are
//     re-resolved from DescribeTasks every run until they register;
//   - absence is not proof: a task DescribeTasks neither describes nor reports MISSING is left alone (reported as
//     unanswered), a MISSING failure tombstones it.
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { listAllRecordSets, metrics, zoneWriterFor, runReconcile, type ReconcileReport, type TaskState } from '@ecs-sd/core';
import { useAwsFaultProxy } from '../../../support/aws-fault-proxy';
import {
  listRecords,
  registerEc2ContainerInstance,
  registerTaskDefinition,
  runBridgeTasks,
  taskStateChangeEvent,
  type ScenarioContainerInstance,
} from '../../../support/ecs-scenario';
import { asUnknownTask, withEniAddresses, withoutBindings } from '../../../support/event-shapes';
import { motoUrl } from '../../../support/moto';
import { captureLogs, createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';

const guard = useRoute53Guard();
const proxy = useAwsFaultProxy(motoUrl);

interface World extends EcsWorld {
  registrar: RegistrarFixture;
  reconcile(): Promise<{ report: ReconcileReport; lines: Record<string, unknown>[] }>;
  deliver(events: unknown[]): Promise<void>;
}

async function world(): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const { config, store } = registrar;
  const deps = {
    config,
    store,
    backend: zoneWriterFor(config, (name) => store.members(name)),
    listRecords: (deadline: number) => listAllRecordSets(config.hostedZoneId, { deadline }),
  };
  return {
    ...w,
    registrar,
    async reconcile() {
      metrics.clearMetrics();
      const { result: report, lines } = await captureLogs(async () => {
        const out = await runReconcile(deps, Date.now() + 30_000);
        metrics.publishStoredMetrics();
        return out;
      });
      return { report, lines };
    },
    async deliver(events) {
      const { result } = await captureLogs(() => registrar.handler(sqsBatch(events)));
      expect(result.batchItemFailures).toEqual([]);
    },
  };
}

const state = (w: World, task: Task | string) =>
  w.registrar.store.get(typeof task === 'string' ? task : task.taskArn!) as Promise<TaskState>;
const emf = (lines: Record<string, unknown>[], metric: string) =>
  lines.filter((l) => '_aws' in l && metric in l).flatMap((l) => [l[metric]].flat());

interface Bridge {
  instance: ScenarioContainerInstance;
  taskDefinition: TaskDefinition;
  task: Task;
}

async function bridgeTask(w: World): Promise<Bridge> {
  const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
  const taskDefinition = await registerTaskDefinition({
    family: 'api',
    networkMode: 'bridge',
    containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: { SERVICE_80_NAME: 'api' } }],
  });
  const [task] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance, count: 1, group: 'service:api' });
  return { instance, taskDefinition, task };
}

const bridgeRunning = (b: Bridge) =>
  taskStateChangeEvent(b.task, {
    version: 2,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    group: 'service:api',
    taskDefinition: b.taskDefinition,
    hostPorts: { 80: 32768 },
  });

/** DescribeTasks as ECS answers once it has filled in the bridge task's bindings (moto never reports any). */
function ecsReportsBindings(b: Bridge, hostPort: number) {
  proxy().rewrite('DescribeTasks', (answer) => {
    for (const task of (answer.tasks ?? []) as Task[]) {
      if (task.taskArn !== b.task.taskArn) continue;
      for (const c of task.containers ?? []) {
        c.networkBindings = [{ bindIP: '0.0.0.0', containerPort: 80, hostPort, protocol: 'tcp' }];
      }
    }
    return answer;
  });
}

describe('reconciler and UNRESOLVED tasks', () => {
  it('re-resolves a bridge task from DescribeTasks every run, and registers it once ECS reports its bindings (MissedStart)', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    await w.deliver([withoutBindings(bridgeRunning(b))]);
    expect((await state(w, b.task)).status).toBe('UNRESOLVED');

    // ECS has not filled the bindings in yet: still unresolved, nothing written, nothing counted as a repair.
    const early = await w.reconcile();
    expect(early.report.repairs).toEqual([]);
    expect(await state(w, b.task)).toMatchObject({ status: 'UNRESOLVED', version: 2, revision: 1 });

    ecsReportsBindings(b, 32777);
    const { report } = await w.reconcile();
    expect(report.counts.MissedStart).toBe(1);
    expect(report.repairs).toEqual([expect.objectContaining({ kind: 'MissedStart', taskArn: b.task.taskArn, detail: 'now REGISTERED' })]);
    // The version is kept (a bump would turn the task's real next event, often its stop, into a replay).
    expect(await state(w, b.task)).toMatchObject({ status: 'REGISTERED', version: 2, registeredNames: ['api'] });
    const records = await listRecords(w.zoneId);
    expect(records.find((r) => r.type === 'SRV')?.values).toEqual([`1 1 32777 ${taskId(b.task)}.api.${ZONE}.`]);
    expect(records.find((r) => r.name === `${taskId(b.task)}.api.${ZONE}.`)?.values).toEqual([b.instance.privateIpAddress]);
    expect((await w.reconcile()).report.repairs).toEqual([]);
  });

  it('registers an awsvpc task whose RUNNING event carried no ENI address, from the address DescribeTasks reports', async () => {
    const w = await world();
    const { tasks: [task] } = await runService(w, 'web', 1);
    await w.deliver([withEniAddresses(taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }), {})]);
    expect(await state(w, task)).toMatchObject({
      status: 'UNRESOLVED',
      unresolved: [{ containerName: 'app', containerPort: 8080, reason: expect.stringMatching(/no IPv4 or IPv6 ENI address/) }],
    });
    expect(await listRecords(w.zoneId)).toEqual([]);
    const { report } = await w.reconcile();
    expect(report.counts.MissedStart).toBe(1);
    expect(await state(w, task)).toMatchObject({ status: 'REGISTERED', endpoints: [expect.objectContaining({ ip: ipOf(task) })] });
    expect((await listRecords(w.zoneId)).find((r) => r.name === `web.${ZONE}.` && r.type === 'A')?.values).toEqual([ipOf(task)]);
  });

  it('retries a task whose host lookup failed permanently, each run, until the lookup works again', async () => {
    const w = await world();
    const b = await bridgeTask(w);
    proxy().injectFault({ operation: 'DescribeContainerInstances', code: 'AccessDeniedException', times: 1000 });
    await w.deliver([bridgeRunning(b)]);
    expect((await state(w, b.task)).status).toBe('UNRESOLVED');

    ecsReportsBindings(b, 32768);
    const denied = await w.reconcile();
    expect(denied.report.repairs).toEqual([]);
    expect(denied.lines.filter((l) => l.level === 'ERROR').map((l) => [l.message, l.containerInstanceArn])).toEqual([
      [expect.stringMatching(/^Host address lookup failed permanently/), b.instance.containerInstanceArn],
    ]);
    expect((await state(w, b.task)).status).toBe('UNRESOLVED');

    proxy().clear();
    ecsReportsBindings(b, 32768);
    const { report } = await w.reconcile();
    expect(report.counts.MissedStart).toBe(1);
    expect(await state(w, b.task)).toMatchObject({ status: 'REGISTERED', registeredNames: ['api'] });
    expect((await listRecords(w.zoneId)).find((r) => r.type === 'SRV')?.values).toEqual([`1 1 32768 ${taskId(b.task)}.api.${ZONE}.`]);
  });
});

describe('reconciler: absence from DescribeTasks is not proof that a task is gone', () => {
  it('leaves a task DescribeTasks neither describes nor reports missing alone; a MISSING failure tombstones it', async () => {
    const w = await world();
    const { tasks: [known] } = await runService(w, 'web', 1);
    const event = taskStateChangeEvent(known, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    const ghost = asUnknownTask(event, '0123456789abcdef0123456789abcdef');
    await w.deliver([event, ghost]);
    const ghostArn = ghost.detail.taskArn;
    expect((await state(w, ghostArn)).status).toBe('REGISTERED');
    const before = await listRecords(w.zoneId);

    // moto answers DescribeTasks for an unknown task with neither the task nor a failure.
    const { report, lines } = await w.reconcile();
    expect(report.counts.MissedStop).toBe(0);
    expect(report.unanswered).toEqual([ghostArn]);
    expect((await state(w, ghostArn)).status).toBe('REGISTERED');
    expect(await listRecords(w.zoneId)).toEqual(before);
    const warning = lines.find((l) => String(l.message).startsWith('DescribeTasks did not answer'));
    expect(warning).toMatchObject({ level: 'WARN', count: 1, taskArns: [ghostArn] });
    expect(emf(lines, 'TasksUnanswered')).toEqual([1]);

    // ECS's own answer for a task it has forgotten: a MISSING failure, which is proof.
    proxy().rewrite('DescribeTasks', (answer, request) => ({
      ...answer,
      failures: ((request.tasks ?? []) as string[]).filter((arn) => arn === ghostArn).map((arn) => ({ arn, reason: 'MISSING' })),
    }));
    const proof = await w.reconcile();
    expect(proof.report.counts.MissedStop).toBe(1);
    expect(proof.report.unanswered).toEqual([]);
    expect(await state(w, ghostArn)).toMatchObject({ status: 'STOPPED', registeredNames: [] });
    expect((await listRecords(w.zoneId)).find((r) => r.type === 'SRV')?.values).toEqual([`1 1 8080 ${taskId(known)}.web.${ZONE}.`]);
  });

  it('a listed task that DescribeTasks leaves out is neither registered nor stopped, and is reported', async () => {
    const w = await world();
    const { tasks: [kept, left] } = await runService(w, 'web', 2);
    await w.deliver([taskStateChangeEvent(kept, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })]);
    proxy().rewrite('DescribeTasks', (answer) => ({
      ...answer,
      tasks: ((answer.tasks ?? []) as Task[]).filter((t) => t.taskArn !== left.taskArn && t.taskArn !== kept.taskArn),
    }));
    const { report } = await w.reconcile();
    expect([...report.unanswered].sort()).toEqual([kept.taskArn, left.taskArn].sort());
    expect(report.counts).toEqual({ MissedStart: 0, MissedStop: 0, MissingRecords: 0, OrphanRecords: 0 });
    expect((await state(w, kept)).status).toBe('REGISTERED');
    expect(await w.registrar.store.get(left.taskArn!)).toBeUndefined();
  });
});
