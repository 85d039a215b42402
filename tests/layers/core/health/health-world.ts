// A health-checker test world: moto (ECS, EC2, DynamoDB, Route 53 behind the guard), tasks registered by the real
// registrar, and one real HTTP server on 127.0.0.1 per task. moto gives tasks ENI addresses nobody can reach, so
// the prober used here is the real one with the address translated: a probe for <task IP>:<port> goes to that
// task's loopback server. Every address the checker asked for is recorded, so tests can prove where probes went.
import type { Task } from '@aws-sdk/client-ecs';
import {
  createProber,
  loadHealthConfig,
  parseStatusCodes,
  Route53Backend,
  runHealthCheck,
  type HealthCheckerDeps,
  type HealthConfig,
  type HealthRunReport,
  type ProbeRequest,
  type Prober,
} from '@ecs-sd/core';
import { pinEcsTasksRunning, resetMoto } from '../../../support/moto';
import type { Route53Guard } from '../../../support/route53-guard';
import {
  createCluster,
  createHostedZone,
  createVpc,
  listRecords,
  registerTaskDefinition,
  runAwsvpcTasks,
  taskStateChangeEvent,
  type ContainerSpec,
} from '../../../support/ecs-scenario';
import { createRegistrar, sqsBatch, type RegistrarFixture } from '../../../support/registrar-fixture';
import { startHttpServer, type Behaviour, type LocalHttpServer } from './local-servers';

export const ZONE = 'svc.internal';

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
    options?: { group?: string; env?: Record<string, string>; container?: Partial<ContainerSpec>; health?: 'HEALTHY' | 'UNKNOWN' },
  ): Promise<WorldTask[]>;
  run(options?: { advanceSeconds?: number; deadlineMs?: number }): Promise<HealthRunReport>;
  records(): ReturnType<typeof listRecords>;
  close(): Promise<void>;
}

export const ipOf = (task: Task) =>
  task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value as string;

export async function healthWorld(guard: Route53Guard, env: Record<string, string> = {}): Promise<HealthWorld> {
  await resetMoto();
  await pinEcsTasksRunning();
  guard.resetCalls();
  const vpc = await createVpc();
  const zoneId = await createHostedZone(ZONE, vpc.vpcId);
  const cluster = await createCluster('demo');
  const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: ZONE });
  const { config, store } = registrar;
  const backend = new Route53Backend({
    hostedZoneId: config.hostedZoneId,
    zoneName: config.zoneName,
    srvNameFormat: config.srvNameFormat,
    ttl: config.recordTtl,
    ownerId: config.ownerId,
    members: (name) => store.members(name),
  });
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

  let version = 2;
  return {
    zoneId,
    clusterArn: cluster.clusterArn,
    registrar,
    deps,
    asked,
    clock,
    async startService(name, behaviours, options = {}) {
      const taskDefinition = await registerTaskDefinition({
        family: name,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        containers: [
          {
            name: 'app',
            portMappings: [{ containerPort: 8080 }],
            environment: { SERVICE_8080_NAME: name, ...options.env },
            ...options.container,
          },
        ],
      });
      const tasks = await runAwsvpcTasks({
        cluster: cluster.clusterArn,
        taskDefinition,
        count: behaviours.length,
        group: options.group ?? `service:${name}`,
        vpc,
      });
      const started: WorldTask[] = [];
      for (const [i, task] of tasks.entries()) {
        const server = await startHttpServer(behaviours[i]);
        servers.set(ipOf(task), server);
        started.push({ task, taskArn: task.taskArn!, taskId: task.taskArn!.split('/').pop()!, ip: ipOf(task), server });
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
