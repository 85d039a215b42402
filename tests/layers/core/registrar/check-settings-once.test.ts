// An invalid SERVICE_<port>_CHECK_* setting is reported once per task, however many transitions read its metadata
// (here: a bridge task UNRESOLVED first, for lack of a port binding, then REGISTERED by the same version).
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { registerEc2ContainerInstance, registerTaskDefinition, runBridgeTasks, taskStateChangeEvent } from '../../../support/ecs-scenario';
import { withoutBindings } from '../../../support/event-shapes';
import { captureLogs, createRegistrar, sqsBatch } from '../../../support/registrar-fixture';
import { freshWorld, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();

it('reports an invalid CHECK_HTTP once for a task that was UNRESOLVED first', async () => {
  const w = await freshWorld({ guard: guard() });
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
  const taskDefinition: TaskDefinition = await registerTaskDefinition({
    family: 'api',
    networkMode: 'bridge',
    containers: [
      { name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: { SERVICE_80_NAME: 'api', SERVICE_80_CHECK_HTTP: '/bad path' } },
    ],
  });
  const [task]: Task[] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance, count: 1, group: 'service:api' });
  const event = () =>
    taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:api', taskDefinition, hostPorts: { 80: 32768 } });
  const first = await captureLogs(() => registrar.handler(sqsBatch([withoutBindings(event())])));
  expect((await registrar.store.get(task.taskArn!))?.status).toBe('UNRESOLVED');
  const second = await captureLogs(() => registrar.handler(sqsBatch([event()])));
  expect((await registrar.store.get(task.taskArn!))?.status).toBe('REGISTERED');
  const reports = [...first.lines, ...second.lines].filter((l) => /Invalid health-check setting/.test(String(l.message)));
  expect(reports).toHaveLength(1);
});
