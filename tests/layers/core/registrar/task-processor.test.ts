// The task processor against moto: which tasks get state at all, what is looked up (and cached), and how host
// networking and several containers/ports per task resolve.
import type { Task } from '@aws-sdk/client-ecs';
import { recordAwsCalls } from '../../../support/aws-calls';
import {
  listRecords,
  registerEc2ContainerInstance,
  registerTaskDefinition,
  runAwsvpcTasks,
  runBridgeTasks,
  taskStateChangeEvent,
} from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, sqsBatch } from '../../../support/registrar-fixture';
import { freshWorld, runService, taskId, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();
const event = (task: Task, version: number, lastStatus: string, extra = {}) =>
  taskStateChangeEvent(task, { version, lastStatus, desiredStatus: 'RUNNING', ...extra });

describe('task processor', () => {
  it('never stores state for a task without metadata, whatever status its first event has', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { tasks: [plain] } = await runService(w, 'plain', 1, { container: { environment: {} } });
    const { result, lines } = await captureLogs(async () => {
      const results = [];
      for (const [version, status] of [[1, 'PROVISIONING'], [2, 'PENDING'], [3, 'RUNNING']] as const) {
        results.push(await registrar.handler(sqsBatch([event(plain, version, status)])));
      }
      return results;
    });
    expect(result.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    expect(await registrar.store.get(plain.taskArn!)).toBeUndefined();
    expect(lines.filter((l) => String(l.message).startsWith('Ignored task: no SERVICE'))).toHaveLength(3);
    expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(guard().count('ChangeResourceRecordSets')).toBe(0);
  });

  it('stores a task with metadata from its first event, and registers it once RUNNING', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { tasks: [web] } = await runService(w, 'web', 1);
    await registrar.handler(sqsBatch([event(web, 1, 'PROVISIONING')]));
    expect(await registrar.store.get(web.taskArn!)).toMatchObject({ status: 'STARTING', version: 1, registeredNames: [] });
    expect(await listRecords(w.zoneId)).toEqual([]);
    await registrar.handler(sqsBatch([event(web, 2, 'RUNNING')]));
    expect(await registrar.store.get(web.taskArn!)).toMatchObject({ status: 'REGISTERED', registeredNames: ['web'] });
  });

  it('describes a task definition once for a whole batch, and a host once for all its tasks', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { tasks, taskDefinition } = await runService(w, 'web', 20);
    const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const bridge = await registerTaskDefinition({
      family: 'api',
      networkMode: 'bridge',
      containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: { SERVICE_80_NAME: 'api' } }],
    });
    const apis = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition: bridge, containerInstance: instance, count: 3 });
    const recorder = recordAwsCalls();
    try {
      const batch = [
        ...tasks.map((t) => event(t, 2, 'RUNNING')),
        ...apis.map((t, i) => event(t, 2, 'RUNNING', { group: 'service:api', hostPorts: { 80: 32768 + i } })),
      ];
      expect((await registrar.handler(sqsBatch(batch))).batchItemFailures).toEqual([]);
      expect(recorder.counts.get('ecs:DescribeTaskDefinition')).toBe(2);
      expect(recorder.counts.get('ecs:DescribeContainerInstances')).toBe(1);
      expect(recorder.counts.get('ec2:DescribeInstances')).toBe(1);
      // The next batch with the same task definition and host looks nothing up again (revisions are immutable).
      recorder.counts.clear();
      const more = await runAwsvpcTasks({ cluster: w.clusterArn, taskDefinition, count: 2, group: 'service:web', vpc: w.vpc });
      const moreApis = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition: bridge, containerInstance: instance, count: 1 });
      const next = [
        ...more.map((t) => event(t, 2, 'RUNNING')),
        ...moreApis.map((t) => event(t, 2, 'RUNNING', { group: 'service:api', hostPorts: { 80: 40000 } })),
      ];
      expect((await registrar.handler(sqsBatch(next))).batchItemFailures).toEqual([]);
      expect(recorder.counts.get('ecs:DescribeTaskDefinition')).toBeUndefined();
      expect(recorder.counts.get('ecs:DescribeContainerInstances')).toBeUndefined();
      expect(recorder.counts.get('ec2:DescribeInstances')).toBeUndefined();
    } finally {
      recorder.stop();
    }
    expect((await listRecords(w.zoneId)).find((r) => r.type === 'SRV' && r.name === `web.${ZONE}.`)?.values).toHaveLength(22);
  });

  it('host networking, several containers and several named ports per task', async () => {
    const w = await freshWorld({ guard: guard() });
    const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const instance = await registerEc2ContainerInstance({ cluster: w.clusterArn, vpc: w.vpc });
    const taskDefinition = await registerTaskDefinition({
      family: 'edge',
      networkMode: 'host',
      containers: [
        { name: 'proxy', portMappings: [{ containerPort: 80 }, { containerPort: 443 }], environment: { SERVICE_80_NAME: 'edge-http', SERVICE_443_NAME: 'edge-https' } },
        { name: 'admin', portMappings: [{ containerPort: 9000 }], environment: { SERVICE_NAME: 'edge-admin' } },
        { name: 'metrics', portMappings: [{ containerPort: 9100 }] },
      ],
    });
    const [task] = await runBridgeTasks({ cluster: w.clusterArn, taskDefinition, containerInstance: instance, count: 1 });
    const e = taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:edge', taskDefinition });
    expect((await registrar.handler(sqsBatch([e]))).batchItemFailures).toEqual([]);
    const records = Object.fromEntries((await listRecords(w.zoneId)).map((r) => [`${r.type} ${r.name}`, r.values]));
    const id = taskId(task);
    expect(records).toEqual({
      [`SRV edge-http.${ZONE}.`]: [`1 1 80 ${id}.edge-http.${ZONE}.`],
      [`SRV edge-https.${ZONE}.`]: [`1 1 443 ${id}.edge-https.${ZONE}.`],
      [`SRV edge-admin.${ZONE}.`]: [`1 1 9000 ${id}.edge-admin.${ZONE}.`],
      [`A ${id}.edge-http.${ZONE}.`]: [instance.privateIpAddress],
      [`A ${id}.edge-https.${ZONE}.`]: [instance.privateIpAddress],
      [`A ${id}.edge-admin.${ZONE}.`]: [instance.privateIpAddress],
      [`TXT edge-http.${ZONE}.`]: ['"heritage=ecs-service-discovery,owner=test-stack"'],
      [`TXT edge-https.${ZONE}.`]: ['"heritage=ecs-service-discovery,owner=test-stack"'],
      [`TXT edge-admin.${ZONE}.`]: ['"heritage=ecs-service-discovery,owner=test-stack"'],
    });
    expect(guard().count('ChangeResourceRecordSets')).toBe(1);
  });
});
