// Registrar benchmarks: planning cost (pure) and end-to-end batches against moto behind the Route 53 guard.
// Prints numbers; asserts nothing about time.
import { performance } from 'node:perf_hooks';
import { desiredRecords, packUnits, planServiceChanges, resetClients, unitCost, type Member } from '@ecs-sd/core';
import { motoUrl, pinEcsTasksRunning, resetMoto } from '../tests/support/moto';
import { startRoute53Guard } from '../tests/support/route53-guard';
import {
  createCluster,
  createHostedZone,
  createVpc,
  registerTaskDefinition,
  runAwsvpcTasks,
  taskStateChangeEvent,
} from '../tests/support/ecs-scenario';
import { createRegistrar, deliverUntilDone, sqsBatch } from '../tests/support/registrar-fixture';

const print = (line: string) => process.stdout.write(`${line}\n`);

describe('registrar benchmarks', () => {
  it('plan: 400 members of one name, 1,000 names of 3 members', () => {
    const naming = { zoneName: 'svc.internal', srvNameFormat: 'plain' as const, ttl: 10 };
    const member = (i: number, name: string): Member => ({
      taskId: `${i.toString(16).padStart(32, '0')}`,
      endpoints: [{ name, ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 8080, awsvpc: true, containerName: 'app', containerPort: 8080, protocol: 'tcp', tags: [], check: {} }],
    });
    let start = performance.now();
    const big = desiredRecords('web', Array.from({ length: 400 }, (_, i) => member(i, 'web')), naming);
    const plan = planServiceChanges({ desired: big, current: [], ownerId: 'x', ttl: 10 });
    print(`plan 400 members: ${(performance.now() - start).toFixed(2)} ms, SRV values kept ${big.heads[0].values.length}, published ${big.published.length}, unpublished ${big.unpublished.length}`);
    start = performance.now();
    const units = Array.from({ length: 1000 }, (_, n) => {
      const d = desiredRecords(`s${n}`, [0, 1, 2].map((i) => member(n * 3 + i, `s${n}`)), naming);
      const p = planServiceChanges({ desired: d, current: [], ownerId: 'x', ttl: 10 });
      return { key: `s${n}`, changes: p.kind === 'changes' ? p.changes : [] };
    });
    const { batches } = packUnits(units);
    print(`plan+pack 1,000 names x 3 members: ${(performance.now() - start).toFixed(1)} ms -> ${batches.length} ChangeResourceRecordSets calls (${units.reduce((n, u) => n + u.changes.length, 0)} changes, ${units.reduce((n, u) => n + unitCost(u.changes).records, 0)} values)`);
    expect(plan.kind).toBe('changes');
  });

  it('end to end: batches of task starts against moto', async () => {
    const guard = await startRoute53Guard({ upstream: motoUrl() });
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = guard.url;
    resetClients();
    try {
      for (const [services, perService] of [[1, 50], [1, 200], [10, 10], [50, 2]] as const) {
        await resetMoto();
        await pinEcsTasksRunning();
        const vpc = await createVpc({ cidr: '10.0.0.0/16', subnetCidr: '10.0.0.0/17' });
        const zoneId = await createHostedZone('svc.internal', vpc.vpcId);
        const { clusterArn } = await createCluster('demo');
        const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: 'svc.internal' });
        const events = [];
        for (let s = 0; s < services; s++) {
          const td = await registerTaskDefinition({
            family: `svc${s}`,
            networkMode: 'awsvpc',
            requiresCompatibilities: ['FARGATE'],
            containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: [{ name: 'SERVICE_8080_NAME', value: `svc${s}` }] }],
          });
          const tasks = await runAwsvpcTasks({ cluster: clusterArn, taskDefinition: td, count: perService, group: `service:svc${s}`, vpc });
          events.push(...tasks.map((t) => taskStateChangeEvent(t, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })));
        }
        guard.resetCalls();
        const start = performance.now();
        const deliveries = await deliverUntilDone(registrar.handler, sqsBatch(events));
        const ms = performance.now() - start;
        print(
          `${services} service(s) x ${perService} task starts in one batch: ${ms.toFixed(0)} ms, ` +
            `ChangeResourceRecordSets ${guard.count('ChangeResourceRecordSets')}, ListResourceRecordSets ${guard.count('ListResourceRecordSets')}, deliveries ${deliveries}`,
        );
      }
    } finally {
      await guard.close();
    }
  });
});
