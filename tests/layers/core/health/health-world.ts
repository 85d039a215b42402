// A health-checker test world: moto (ECS, EC2, DynamoDB, Route 53 behind the guard), tasks registered by the real
// registrar, and one real HTTP server on 127.0.0.1 per task. moto gives tasks ENI addresses nobody can reach, so
// the prober used here is the real one with the address translated: a probe for <task IP>:<port> goes to that
// task's loopback server. Every address the checker asked for is recorded, so tests can prove where probes went.
import type { Task } from '@aws-sdk/client-ecs';
import {
  createProber,
  loadHealthConfig,
  parseStatusCodes,
  zoneWriterFor,
  runHealthCheck,
  type HealthCheckerDeps,
  type HealthConfig,
  type HealthRunReport,
  type ProbeRequest,
  type Prober,
} from '@ecs-sd/core';
import type { Route53Guard } from '../../../support/route53-guard';
import {
  listRecords,
  registerTaskDefinition,
  runAwsvpcTasks,
  taskStateChangeEvent,
  type ContainerSpec,
  type HealthStatus,
} from '../../../support/ecs-scenario';
import { createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, ZONE } from '../../../support/world';
import { startHttpServer, type Behaviour, type LocalHttpServer } from './local-servers';

export interface WorldTask {
  task: Task;
  taskArn: string;
  taskId: string;
  ip: string;
  server: LocalHttpServer;
}

export interface HealthWorld {
  zoneId: string;
  clusterArn: string;
  registrar: RegistrarFixture;
  deps: HealthCheckerDeps;
  /** every probe the checker asked for, as it asked (before translation) */
  asked: ProbeRequest[];
  /** the clock the checker sees (epoch ms); tests move it */
  clock: { now: number };
  startService(
    name: string,
    behaviours: Behaviour[],
    options?: {
      group?: string;
      env?: Record<string, string>;
      container?: Partial<ContainerSpec>;
      /** more containers in the task definition after "app" (e.g. sidecars); moto's tasks list only "app" */
      sidecars?: ContainerSpec[];
      /** container health in the registrar's event: every container's, or per container name */
      health?: HealthStatus | Record<string, HealthStatus>;
    },
  ): Promise<WorldTask[]>;
  run(options?: { advanceSeconds?: number; deadlineMs?: number }): Promise<HealthRunReport>;
  records(): ReturnType<typeof listRecords>;
  close(): Promise<void>;
}

export async function healthWorld(guard: Route53Guard, env: Record<string, string> = {}): Promise<HealthWorld> {
  const { vpc, zoneId, clusterArn } = await freshWorld({ guard });
  const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: ZONE });
  const { config, store } = registrar;
  const backend = zoneWriterFor(config, (name) => store.members(name));
  const health: HealthConfig = loadHealthConfig({
    GRACE_PERIOD_SECONDS: '0',
    HEALTH_CHECK_TIMEOUT_SECONDS: '0.3',
    ...env,
  });
  const servers = new Map<string, LocalHttpServer>();
  const asked: ProbeRequest[] = [];
  const real = createProber(parseStatusCodes('200-299')!);
  const prober: Prober = async (probe) => {
    asked.push(probe);
    const server = servers.get(probe.ip);
    if (!server) throw new Error(`probe for an address no test task has: ${probe.ip}`);
    return real({ ...probe, ip: '127.0.0.1', port: server.port });
  };
  const clock = { now: Date.now() };
  const deps: HealthCheckerDeps = { config, health, store, backend, prober, now: () => clock.now, applyReserveMs: 2000 };

  /** runService's task definition ("app" on 8080) with more containers after "app". */
  async function runWithSidecars(
    name: string,
    count: number,
    app: Partial<ContainerSpec>,
    sidecars: ContainerSpec[],
    group = `service:${name}`,
  ) {
    const taskDefinition = await registerTaskDefinition({
      family: name,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], ...app }, ...sidecars],
    });
    return { taskDefinition, tasks: await runAwsvpcTasks({ cluster: clusterArn, taskDefinition, count, group, vpc }) };
  }

  let version = 2;
  return {
    zoneId,
    clusterArn,
    registrar,
    deps,
    asked,
    clock,
    async startService(name, behaviours, options = {}) {
      const container = { environment: { SERVICE_8080_NAME: name, ...options.env }, ...options.container };
      const { taskDefinition, tasks } = options.sidecars
        ? await runWithSidecars(name, behaviours.length, container, options.sidecars, options.group)
        : await runService({ vpc, clusterArn }, name, behaviours.length, { group: options.group, container });
      const started: WorldTask[] = [];
      for (const [i, task] of tasks.entries()) {
        const server = await startHttpServer(behaviours[i]);
        servers.set(ipOf(task), server);
        started.push({ task, taskArn: task.taskArn!, taskId: taskId(task), ip: ipOf(task), server });
      }
      const events = tasks.map((t) =>
        taskStateChangeEvent(t, {
          version: version++,
          lastStatus: 'RUNNING',
          desiredStatus: 'RUNNING',
          taskDefinition,
          ...(options.health ? { containerHealth: options.health } : {}),
        }),
      );
      const result = await registrar.handler(sqsBatch(events));
      if (result.batchItemFailures.length > 0) throw new Error('registrar failed to register the test tasks');
      return started;
    },
    async run(options = {}) {
      clock.now += (options.advanceSeconds ?? 60) * 1000;
      return runHealthCheck(deps, Date.now() + (options.deadlineMs ?? 20_000));
    },
    records: () => listRecords(zoneId),
    async close() {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
