// End to end against moto: the registrar gates registration on ECS's task health rule - only essential containers
// with a health check count (resolve/task-health). A non-essential sidecar's own health check never holds a task
// out of DNS.
import {
  listRecords,
  registerTaskDefinition,
  runAwsvpcTasks,
  taskStateChangeEvent,
  type ContainerSpec,
  type HealthStatus,
} from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';

const guard = useRoute53Guard();
const check = { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health'], interval: 10, timeout: 2, retries: 3 };

interface World extends EcsWorld {
  registrar: RegistrarFixture;
}

async function world(): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  return { ...w, registrar: await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE }) };
}

/** One awsvpc task of family `name`: container "app" (SERVICE_8080_NAME=name) plus `others`; one RUNNING event. */
async function register(w: World, name: string, app: Partial<ContainerSpec>, others: ContainerSpec[], health: Record<string, HealthStatus>) {
  const taskDefinition = await registerTaskDefinition({
    family: name,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: { SERVICE_8080_NAME: name }, ...app }, ...others],
  });
  const [task] = await runAwsvpcTasks({ cluster: w.clusterArn, taskDefinition, count: 1, group: `service:${name}`, vpc: w.vpc });
  const event = taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', taskDefinition, containerHealth: health });
  expect(event.detail.containers.map((c) => [c.name, c.healthStatus])).toEqual(Object.entries(health));
  expect((await captureLogs(() => w.registrar.handler(sqsBatch([event])))).result.batchItemFailures).toEqual([]);
  return { task, id: taskId(task), state: await w.registrar.store.get(task.taskArn!) };
}

const srvOf = async (w: World, name: string) =>
  (await listRecords(w.zoneId)).find((r) => r.type === 'SRV' && r.name === `${name}.${ZONE}.`)?.values ?? [];

describe('registrar: only essential containers gate registration (ECS task health)', () => {
  it.each(['UNHEALTHY', 'UNKNOWN'] as const)(
    'registers a task whose essential container is HEALTHY while its non-essential sidecar is %s',
    async (sidecarHealth) => {
      const w = await world();
      const { id, state } = await register(
        w,
        'web',
        { healthCheck: check },
        [{ name: 'envoy', essential: false, healthCheck: check }],
        { app: 'HEALTHY', envoy: sidecarHealth },
      );
      expect(state).toMatchObject({ status: 'REGISTERED', registeredNames: ['web'] });
      expect(state?.awaitingHealthOf).toBeUndefined();
      expect(await srvOf(w, 'web')).toEqual([`1 1 8080 ${id}.web.${ZONE}.`]);
    },
  );

  it('a non-essential sidecar with a health check, next to an essential container without one, registers at once', async () => {
    const w = await world();
    const { id, state } = await register(w, 'api', {}, [{ name: 'agent', essential: false, healthCheck: check }], {
      app: 'UNKNOWN',
      agent: 'UNHEALTHY',
    });
    expect(state).toMatchObject({ status: 'REGISTERED' });
    expect(await srvOf(w, 'api')).toEqual([`1 1 8080 ${id}.api.${ZONE}.`]);
  });

  it('still waits for every essential container with a health check (a second essential one UNHEALTHY), and keeps the whole gate', async () => {
    const w = await world();
    const { state } = await register(
      w,
      'shop',
      { healthCheck: check },
      [
        { name: 'db', essential: true, healthCheck: check },
        { name: 'envoy', essential: false, healthCheck: check },
      ],
      { app: 'HEALTHY', db: 'UNHEALTHY', envoy: 'UNHEALTHY' },
    );
    expect(state).toMatchObject({ status: 'PENDING_HEALTH', registeredNames: [], awaitingHealthOf: ['app', 'db'] });
    expect(await srvOf(w, 'shop')).toEqual([]);
  });

  it('an essential container UNHEALTHY holds the task out even when the sidecar is HEALTHY', async () => {
    const w = await world();
    const { state } = await register(w, 'pay', { healthCheck: check }, [{ name: 'envoy', essential: false, healthCheck: check }], {
      app: 'UNHEALTHY',
      envoy: 'HEALTHY',
    });
    expect(state).toMatchObject({ status: 'PENDING_HEALTH', awaitingHealthOf: ['app'] });
    expect(await srvOf(w, 'pay')).toEqual([]);
  });
});
