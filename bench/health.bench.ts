// Health checker benchmarks: how long one run over N endpoints takes on this machine. Prints numbers; asserts
// nothing about time. Probes go to real HTTP servers on 127.0.0.1 (moto's task addresses are translated to them).
//
//   npm run bench -- bench/health.bench.ts                 (BENCH_HEALTH_TASKS=5000 by default)
//   BENCH_HEALTH_TASKS=1000 npm run bench -- bench/health.bench.ts
//
// Part 1 measures the probe phase alone (planned probes -> sockets -> results) at the default concurrency, healthy
// and with 5% of endpoints hanging until the 2 s timeout. Part 2 measures a whole run against moto (state table scan,
// DescribeTasks for every task, probes, rules, writes), phase by phase; moto's own DescribeTasks cost grows with the
// number of tasks it holds, so the ECS phase there is slower than against ECS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  createProber,
  describeTasks,
  documentClient,
  loadHealthConfig,
  parseStatusCodes,
  resetClients,
  Route53Backend,
  runHealthCheck,
  runProbes,
  scanHealthTargets,
  taskKey,
  TaskStateStore,
  type PlannedProbe,
  type Prober,
  type TaskState,
} from '@ecs-sd/core';
import { motoUrl, pinEcsTasksRunning, resetMoto } from '../tests/support/moto';
import { startRoute53Guard } from '../tests/support/route53-guard';
import { createCluster, createHostedZone, createVpc, registerTaskDefinition, runAwsvpcTasks } from '../tests/support/ecs-scenario';
import { createTables } from '../tests/support/tables';

const TASKS = Number(process.env.BENCH_HEALTH_TASKS ?? 5000);
const print = (line: string) => process.stdout.write(`${line}\n`);
const ms = (start: number) => `${(performance.now() - start).toFixed(0)} ms`;

/** A few loopback servers answering 200 (or hanging for paths under /hang), closed at the end. */
async function servers(count: number): Promise<{ ports: number[]; close(): Promise<void> }> {
  const list: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/hang')) return;
      res.writeHead(200).end('ok');
    });
    server.keepAliveTimeout = 1;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    list.push(server);
  }
  return {
    ports: list.map((s) => (s.address() as AddressInfo).port),
    close: () =>
      Promise.all(
        list.map((s) => new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        })),
      ).then(() => undefined),
  };
}

/** The real prober, with every task address sent to one of the loopback servers. */
function loopback(ports: number[]): Prober {
  const real = createProber(parseStatusCodes('200-299')!);
  return (probe) => {
    const n = probe.ip.split('.').reduce((a, b) => a * 31 + Number(b), 0);
    return real({ ...probe, ip: '127.0.0.1', port: ports[Math.abs(n) % ports.length] });
  };
}

describe('health checker benchmarks', () => {
  it(`probe phase: ${TASKS} endpoints, concurrency 64`, async () => {
    const local = await servers(8);
    try {
      const prober = loopback(local.ports);
      for (const hangingShare of [0, 0.05]) {
        const probes: PlannedProbe[] = Array.from({ length: TASKS }, (_, i) => ({
          ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          port: 8080,
          check: { kind: 'http', path: i < TASKS * hangingShare ? '/hang' : '/health' },
          timeoutMs: 2000,
          taskArn: `task-${i}`,
          endpointKey: 'web/8080',
          description: '',
          hasInterval: false,
        }));
        const start = performance.now();
        const { results, deferred } = await runProbes(probes, prober, { concurrency: 64, deadline: Date.now() + 55_000 });
        const failed = [...results.values()].filter((r) => !r.ok).length;
        print(
          `probes: ${TASKS} endpoints, ${hangingShare * 100}% hanging (2 s timeout): ${ms(start)}, ` +
            `${results.size} probed, ${failed} failed, ${deferred.length} deferred`,
        );
      }
    } finally {
      await local.close();
    }
  });

  it(`whole run against moto: ${TASKS} registered tasks`, async () => {
    const guard = await startRoute53Guard({ upstream: motoUrl() });
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = guard.url;
    // moto's Scan of thousands of items takes seconds a page: more than the production request timeout (4 s).
    process.env.SDK_REQUEST_TIMEOUT_MS = '60000';
    resetClients();
    const local = await servers(8);
    try {
      await resetMoto();
      await pinEcsTasksRunning();
      let start = performance.now();
      const vpc = await createVpc({ cidr: '10.0.0.0/16', subnetCidr: '10.0.0.0/17' });
      const zoneId = await createHostedZone('svc.internal', vpc.vpcId);
      const { clusterArn } = await createCluster('bench');
      const services = Math.max(1, Math.round(TASKS / 50));
      const states: TaskState[] = [];
      for (let s = 0; s < services; s++) {
        const count = Math.floor(TASKS / services) + (s < TASKS % services ? 1 : 0);
        const td = await registerTaskDefinition({
          family: `svc${s}`,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: { SERVICE_8080_NAME: `svc${s}` } }],
        });
        const tasks = await runAwsvpcTasks({ cluster: clusterArn, taskDefinition: td, count, group: `service:svc${s}`, vpc });
        for (const t of tasks) {
          const ip = t.attachments![0].details!.find((d) => d.name === 'privateIPv4Address')!.value!;
          states.push({
            taskArn: t.taskArn!,
            taskId: t.taskArn!.split('/').pop()!,
            clusterArn,
            version: 2,
            status: 'REGISTERED',
            serviceName: `svc${s}`,
            group: `service:svc${s}`,
            taskDefinitionArn: td.taskDefinitionArn!,
            startedAt: new Date(Date.now() - 3600_000).toISOString(),
            endpoints: [
              { name: `svc${s}`, containerName: 'app', containerPort: 8080, protocol: 'tcp', ip, port: 8080, awsvpc: true, tags: [], check: {} },
            ],
            registeredNames: [`svc${s}`],
            updatedAt: new Date().toISOString(),
            revision: 1,
          });
        }
      }
      const tables = await createTables('bench');
      for (let i = 0; i < states.length; i += 25) {
        const batch = states.slice(i, i + 25).map((s) => ({ PutRequest: { Item: { ...taskKey(s.taskArn), ...s } } }));
        await documentClient().send(new BatchWriteCommand({ RequestItems: { [tables.stateTableName]: batch } }));
      }
      print(`setup: ${states.length} tasks in ${services} services in moto and the state table: ${ms(start)}`);

      start = performance.now();
      const snapshot = await scanHealthTargets(tables.stateTableName);
      print(`phase scan: ${snapshot.tasks.length} targets: ${ms(start)}`);
      start = performance.now();
      const described = await describeTasks(clusterArn, states.map((s) => s.taskArn));
      print(`phase DescribeTasks (moto): ${described.tasks.length} tasks in ${Math.ceil(states.length / 100)} calls: ${ms(start)}`);

      const config = {
        stateTableName: tables.stateTableName,
        hostedZoneId: zoneId,
        zoneName: 'svc.internal',
        recordTtl: 10,
        srvNameFormat: 'plain' as const,
        clusterArns: [],
        ownerId: 'bench',
        tombstoneTtlSeconds: 86400,
        idempotencyTtlSeconds: 3600,
      };
      const store = new TaskStateStore(config.stateTableName);
      const backend = new Route53Backend({ ...config, ttl: 10, members: (name) => store.members(name) });
      const deps = { config, store, backend, health: loadHealthConfig({}), prober: loopback(local.ports) };
      for (const run of [1, 2]) {
        start = performance.now();
        const report = await runHealthCheck(deps, Date.now() + 57_000);
        print(
          `whole run ${run}: ${ms(start)}: ${report.tasks} tasks, ${report.probes} probes, ${report.failedProbes} failed, ` +
            `${report.deferred} deferred, ${report.recordsWritten} health records written`,
        );
      }
    } finally {
      await local.close();
      await guard.close();
    }
  });
});
