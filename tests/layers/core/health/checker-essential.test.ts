// The health checker promotes PENDING_HEALTH tasks by ECS's task health rule (resolve/task-health): only essential
// containers with a health check are awaited. moto's DescribeTasks lists a task's first container ("app") only,
// always HEALTHY, so a sidecar is never reported HEALTHY here: a task promoted below was promoted without it.
import { metrics, type TaskState } from '@ecs-sd/core';
import { captureLogs } from '../../../support/registrar-fixture';
import { useRoute53Guard, ZONE } from '../../../support/world';
import { healthWorld, type HealthWorld, type WorldTask } from './health-world';

const ok = { kind: 'status', status: 200 } as const;
const check = { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] };

const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  metrics.clearMetrics(); // the runs' metrics: never published by a later test's handler
});

const state = async (w: HealthWorld, t: WorldTask) => (await w.registrar.store.get(t.taskArn)) as TaskState;
const registeredIds = async (w: HealthWorld, service: string) =>
  (await w.records())
    .filter((r) => r.type === 'A' && r.name.endsWith(`.${service}.${ZONE}.`))
    .map((r) => r.name.split('.')[0])
    .sort();

describe('promotion follows ECS task health (essential containers only)', () => {
  it.each(['UNHEALTHY', 'UNKNOWN'] as const)(
    'promotes a PENDING_HEALTH task whose only unhealthy container besides the awaited one is a non-essential sidecar (%s)',
    async (sidecarHealth) => {
      const w = (world = await healthWorld(guard()));
      const { result: tasks } = await captureLogs(() =>
        w.startService('web', [ok, ok], {
          container: { healthCheck: check },
          sidecars: [{ name: 'envoy', essential: false, healthCheck: check }],
          health: { app: 'UNKNOWN', envoy: sidecarHealth },
        }),
      );
      for (const t of tasks) expect(await state(w, t)).toMatchObject({ status: 'PENDING_HEALTH', awaitingHealthOf: ['app'] });
      expect(await registeredIds(w, 'web')).toEqual([]);

      const report = await w.run(); // ECS (moto) now reports "app" HEALTHY; "envoy" is not reported HEALTHY
      expect(report.promoted.sort()).toEqual(tasks.map((t) => t.taskArn).sort());
      expect(await registeredIds(w, 'web')).toEqual(tasks.map((t) => t.taskId).sort());
      for (const t of tasks) expect((await state(w, t)).status).toBe('REGISTERED');
    },
  );

  it('does not promote while an essential container ECS has not reported HEALTHY is awaited', async () => {
    const w = (world = await healthWorld(guard()));
    const {
      result: [task],
    } = await captureLogs(() =>
      w.startService('shop', [ok], {
        container: { healthCheck: check },
        sidecars: [{ name: 'db', essential: true, healthCheck: check }],
        health: { app: 'HEALTHY', db: 'UNKNOWN' },
      }),
    );
    // The whole gate is kept, not only the container that was not HEALTHY in the event.
    expect(await state(w, task)).toMatchObject({ status: 'PENDING_HEALTH', awaitingHealthOf: ['app', 'db'] });
    for (let i = 0; i < 3; i++) expect((await w.run()).promoted).toEqual([]);
    expect(await registeredIds(w, 'shop')).toEqual([]);
  });
});
