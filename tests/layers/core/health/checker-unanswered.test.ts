// The health checker and tasks DescribeTasks does not answer for (moto: any task it does not know): unknown is not
// gone and not unhealthy, so such a task is neither probed nor changed, and the run says so (WARN, TasksUnanswered).
import { metrics, type TaskState } from '@ecs-sd/core';
import { taskStateChangeEvent } from '../../../support/ecs-scenario';
import { asUnknownTask } from '../../../support/event-shapes';
import { captureLogs, sqsBatch } from '../../../support/registrar-fixture';
import { useRoute53Guard, ZONE } from '../../../support/world';
import { healthWorld, type HealthWorld } from './health-world';

const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('health checker: a task DescribeTasks does not answer for', () => {
  it('is neither probed nor deregistered, and the run logs it and counts TasksUnanswered', async () => {
    const w = (world = await healthWorld(guard()));
    const [known] = await w.startService('web', [{ kind: 'status', status: 200 }]);
    const ghost = asUnknownTask(
      taskStateChangeEvent(known.task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' }),
      'fedcba9876543210fedcba9876543210',
    );
    const delivered = await captureLogs(() => w.registrar.handler(sqsBatch([ghost])));
    expect(delivered.result.batchItemFailures).toEqual([]);
    const ghostArn = ghost.detail.taskArn;

    metrics.clearMetrics();
    const { lines } = await captureLogs(async () => {
      for (let run = 0; run < 2; run++) await w.run();
      metrics.publishStoredMetrics();
    });
    // the known task was probed each run; the unanswered one (same address) never, and its state is untouched
    expect(w.asked.length).toBe(2);
    const kept = (await w.registrar.store.get(ghostArn)) as TaskState;
    expect(kept).toMatchObject({ status: 'REGISTERED', registeredNames: ['web'], revision: 1 });
    expect((await w.records()).map((r) => r.name)).toContain(`fedcba9876543210fedcba9876543210.web.${ZONE}.`);
    const warnings = lines.filter((l) => l.message === 'DescribeTasks did not answer for a task; not probed this run');
    expect(warnings.map((l) => [l.level, l.taskArn])).toEqual(Array.from({ length: 2 }, () => ['WARN', ghostArn]));
    const counted = lines.filter((l) => '_aws' in l && 'TasksUnanswered' in l).flatMap((l) => [l.TasksUnanswered].flat());
    expect(counted.reduce((a, b) => Number(a) + Number(b), 0)).toBe(2);
  });
});
