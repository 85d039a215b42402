// The health checker's metrics, read from the EMF lines its scheduled handler writes (one flush per run by
// instrumentHandler): probes and failures, tasks deregistered and stopped, stops refused by a brake, tasks registered
// again. (HealthCheckPanic and OverlappingRunsSkipped: checker.test.ts.)
import { createHealthChecker } from '@ecs-sd/core';
import { captureLogs, lambdaContext, emfSum } from '../../../support/registrar-fixture';
import { useRoute53Guard } from '../../../support/world';
import { healthWorld, type HealthWorld } from './health-world';

const ok = { kind: 'status', status: 200 } as const;
const fail500 = { kind: 'status', status: 500 } as const;

const guard = useRoute53Guard();
let world: HealthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

type Line = Record<string, unknown>;
const emf = emfSum;

/** Runs the scheduled handler `runs` times, a minute apart, and returns every line they wrote. */
async function scheduledRuns(w: HealthWorld, runs: number): Promise<Line[]> {
  const handler = createHealthChecker(w.deps);
  const lines: Line[] = [];
  for (let i = 0; i < runs; i++) {
    w.clock.now += 60_000;
    lines.push(...(await captureLogs(() => handler({ source: 'aws.events' }, lambdaContext(20_000)))).lines);
  }
  return lines;
}

describe('health checker metrics (EMF)', () => {
  it('ProbesRun, ProbeFailures, TasksDeregisteredUnhealthy, TasksStopped and StopsHeld (MaxStopPercent brake)', async () => {
    const w = (world = await healthWorld(guard(), { MAX_STOP_PERCENT: '50' }));
    await w.startService('web', [fail500, fail500, fail500, ok]);
    await w.startService('api', [ok, ok, ok, ok]); // keeps the failure ratio under the panic threshold
    const lines = await scheduledRuns(w, 3);
    expect(emf(lines, 'ProbesRun')).toBe(24); // 8 endpoints x 3 runs
    expect(emf(lines, 'ProbeFailures')).toBe(9);
    expect(emf(lines, 'TasksDeregisteredUnhealthy')).toBe(3);
    expect(emf(lines, 'TasksStopped')).toBe(2); // 50% of 4 running
    expect(emf(lines, 'StopsHeld')).toBe(1);
    expect(emf(lines, 'HealthCheckPanic')).toBe(0);
  });

  it('TasksReregistered when a removed task passes HealthyThreshold (2) runs', async () => {
    const w = (world = await healthWorld(guard(), { STOP_UNHEALTHY_TASKS: 'false' }));
    const [bad] = await w.startService('web', [fail500, ok, ok]);
    const failing = await scheduledRuns(w, 3);
    expect(emf(failing, 'TasksDeregisteredUnhealthy')).toBe(1);
    expect(emf(failing, 'TasksStopped')).toBe(0);
    bad.server.behave(ok);
    const recovering = await scheduledRuns(w, 2);
    expect(emf(recovering, 'TasksReregistered')).toBe(1);
    expect(emf(recovering, 'ProbeFailures')).toBe(0);
  });
});
