// The starting point of the end-to-end tests: the Route 53 guard in front of moto for a whole test file, and a fresh
// moto world (VPC, private hosted zone, cluster) for each test.
//
//   const guard = useRoute53Guard();                   // file level: started before all tests, closed after all
//   const w = await freshWorld({ guard: guard() });    // moto reset: VPC, zone svc.internal, cluster demo
//   const { tasks } = await runService(w, 'web', 3);   // three awsvpc tasks of service web
import type { Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { resetClients } from '@ecs-sd/core';
import { motoUrl, pinEcsTasksRunning, resetMoto } from './moto';
import { startRoute53Guard, type Route53Guard } from './route53-guard';
import {
  createCluster,
  createHostedZone,
  createVpc,
  registerTaskDefinition,
  runAwsvpcTasks,
  type ContainerSpec,
  type ScenarioVpc,
} from './ecs-scenario';

/** The private hosted zone every world has. */
export const ZONE = 'svc.internal';

/**
 * Registers beforeAll/afterAll hooks that put the Route 53 guard in front of moto for the calling test file: every
 * SDK client (after resetClients) sends Route 53 calls through it; afterwards they go to moto again. Returns an
 * accessor for the running guard (usable from the tests and hooks of that file).
 */
export function useRoute53Guard(): () => Route53Guard {
  let guard: Route53Guard | undefined;
  beforeAll(async () => {
    guard = await startRoute53Guard({ upstream: motoUrl() });
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = guard.url;
    resetClients();
  });
  afterAll(async () => {
    await guard?.close();
    guard = undefined;
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = motoUrl();
    resetClients();
  });
  return () => {
    if (!guard) throw new Error('the Route 53 guard runs only between the beforeAll and afterAll of useRoute53Guard()');
    return guard;
  };
}

export interface ZoneWorld {
  vpc: ScenarioVpc;
  /** bare id of the private hosted zone ZONE, associated with vpc */
  zoneId: string;
}

export interface EcsWorld extends ZoneWorld {
  /** the cluster "demo" */
  clusterArn: string;
}

export interface FreshWorldOptions {
  /** its recorded calls are cleared once the world is built, so a test sees only the calls it caused */
  guard?: Route53Guard;
}

/** Resets moto, then creates a VPC and the private hosted zone ZONE in it. */
export async function freshZone(options: FreshWorldOptions = {}): Promise<ZoneWorld> {
  await resetMoto();
  const vpc = await createVpc();
  const zoneId = await createHostedZone(ZONE, vpc.vpcId);
  options.guard?.resetCalls();
  return { vpc, zoneId };
}

/** freshZone, plus ECS: tasks pinned RUNNING (pinEcsTasksRunning) and the cluster "demo". */
export async function freshWorld(options: FreshWorldOptions = {}): Promise<EcsWorld> {
  await pinEcsTasksRunning();
  const zone = await freshZone();
  const { clusterArn } = await createCluster('demo');
  options.guard?.resetCalls();
  return { ...zone, clusterArn };
}

/**
 * Registers the awsvpc Fargate task definition `name` (one container "app" on port 8080 with SERVICE_8080_NAME=name;
 * options.container overrides any of that) and runs `count` tasks of it in group service:<name> (or options.group)
 * of the world's cluster (or options.cluster).
 */
export async function runService(
  w: { vpc: ScenarioVpc; clusterArn: string },
  name: string,
  count: number,
  options: { container?: Partial<ContainerSpec>; group?: string; cluster?: string } = {},
): Promise<{ taskDefinition: TaskDefinition; tasks: Task[] }> {
  const taskDefinition = await registerTaskDefinition({
    family: name,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containers: [
      { name: 'app', portMappings: [{ containerPort: 8080 }], environment: { SERVICE_8080_NAME: name }, ...options.container },
    ],
  });
  const tasks = await runAwsvpcTasks({
    cluster: options.cluster ?? w.clusterArn,
    taskDefinition,
    count,
    group: options.group ?? `service:${name}`,
    vpc: w.vpc,
  });
  return { taskDefinition, tasks };
}

/** The task ID: the last part of the task ARN. */
export const taskId = (task: Task): string => task.taskArn!.split('/').pop()!;

/** The task's ENI address, as RunTask reports it. */
export const ipOf = (task: Task): string =>
  task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value as string;
