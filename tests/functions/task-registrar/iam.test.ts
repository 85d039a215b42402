// The task registrar's IAM policy grants every AWS action its code really calls (recorded while it handles a
// realistic history against moto), and nothing is called that the template does not grant.
import { loadTemplate } from '../../support/template';
import { recordAwsCalls } from '../../support/aws-calls';
import { motoUrl, pinEcsTasksRunning, resetMoto } from '../../support/moto';
import { startRoute53Guard } from '../../support/route53-guard';
import {
  createCluster, createHostedZone, createVpc, registerEc2ContainerInstance, registerTaskDefinition, runAwsvpcTasks,
  runBridgeTasks, taskStateChangeEvent,
} from '../../support/ecs-scenario';
import { createRegistrar, deliverUntilDone, sqsBatch } from '../../support/registrar-fixture';
import { resetClients } from '@ecs-sd/core';

type Statement = { Effect: string; Action: string | string[] };

function grantedActions(functionId: string): Set<string> {
  const template = loadTemplate();
  const fn = template.Resources[functionId];
  const statements: Statement[] = (fn.Properties.Policies ?? []).flatMap(
    (p: { Statement?: Statement[] }) => p.Statement ?? [],
  );
  return new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()));
}

describe('TaskRegistrarFunction IAM', () => {
  it('grants every action the registrar calls', async () => {
    const guard = await startRoute53Guard({ upstream: motoUrl() });
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = guard.url;
    resetClients();
    try {
      await resetMoto();
      await pinEcsTasksRunning();
      const vpc = await createVpc();
      const zoneId = await createHostedZone('svc.internal', vpc.vpcId);
      const { clusterArn } = await createCluster('demo');
      const awsvpc = await registerTaskDefinition({
        family: 'web', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containers: [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: [{ name: 'SERVICE_8080_NAME', value: 'web' }] }],
      });
      const bridge = await registerTaskDefinition({
        family: 'api', networkMode: 'bridge',
        containers: [{ name: 'api', portMappings: [{ containerPort: 80, hostPort: 0 }], environment: [{ name: 'SERVICE_80_NAME', value: 'api' }] }],
      });
      const [web] = await runAwsvpcTasks({ cluster: clusterArn, taskDefinition: awsvpc, count: 1, group: 'service:web', vpc });
      const instance = await registerEc2ContainerInstance({ cluster: clusterArn, vpc });
      const [api] = await runBridgeTasks({ cluster: clusterArn, taskDefinition: bridge, containerInstance: instance, count: 1 });
      const registrar = await createRegistrar({ hostedZoneId: zoneId, zoneName: 'svc.internal' });

      const recorder = recordAwsCalls();
      try {
        const run = (task: typeof web, version: number, desiredStatus: string, extra = {}) =>
          taskStateChangeEvent(task, { version, lastStatus: 'RUNNING', desiredStatus, ...extra });
        const start = [run(web, 2, 'RUNNING'), run(api, 2, 'RUNNING', { group: 'service:api', hostPorts: { 80: 32768 } })];
        await deliverUntilDone(registrar.handler, sqsBatch(start));
        await deliverUntilDone(registrar.handler, sqsBatch(start)); // duplicates
        await deliverUntilDone(registrar.handler, sqsBatch([run(web, 3, 'STOPPED'), run(api, 3, 'STOPPED')]));
      } finally {
        recorder.stop();
      }
      const granted = grantedActions('TaskRegistrarFunction');
      const called = [...recorder.actions].sort();
      expect(called).toEqual(expect.arrayContaining(['route53:ChangeResourceRecordSets', 'ecs:DescribeTaskDefinition', 'ec2:DescribeInstances']));
      expect(called.filter((action) => !granted.has(action))).toEqual([]);
    } finally {
      await guard.close();
    }
  });
});
