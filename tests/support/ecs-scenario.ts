// Builds real state in moto with the real SDK clients (region us-east-1; endpoints from AWS_ENDPOINT_URL_<SERVICE>,
// set by setup-env.ts), and turns moto tasks into real-shaped "ECS Task State Change" events.
// Pure helpers only: no assertions, no describe/it.
//
// moto quirks handled here: a container needs memory (even on Fargate); awsvpc needs the VPC's DNS hostnames and
// securityGroups; ENI addresses may fall outside the subnet; DescribeTasks advances a task one status per call
// unless pinEcsTasksRunning() was called (so the run helpers return RunTask/StartTask's own answer); tasks have
// no version, createdAt/startedAt, cpu/memory or availabilityZone, containers report lastStatus PENDING and
// healthStatus HEALTHY, and containers[].taskArn holds the task definition ARN.
import { createHash, randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
  RunInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StartTaskCommand,
  type Compatibility,
  type HealthCheck,
  type KeyValuePair,
  type NetworkBinding,
  type Task,
  type TaskDefinition,
  type TaskOverride,
  type TransportProtocol,
} from '@aws-sdk/client-ecs';
import {
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012'; // moto's default account

/** Runs `fn` with a client and destroys it afterwards. */
export async function using<C extends { destroy(): void }, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

const ec2 = () => new EC2Client({ region: REGION });
const ecs = () => new ECSClient({ region: REGION });

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

// ---------------------------------------------------------------------------------------------------------------
// EC2 and ECS state

export interface ScenarioVpc {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  availabilityZone: string;
  cidr: string;
  subnetCidr: string;
}

/** A VPC with DNS hostnames enabled (moto's RunTask needs it for awsvpc), one subnet and one security group. */
export async function createVpc(
  options: { cidr?: string; subnetCidr?: string; availabilityZone?: string } = {},
): Promise<ScenarioVpc> {
  const cidr = options.cidr ?? '10.0.0.0/16';
  const subnetCidr = options.subnetCidr ?? '10.0.1.0/24';
  const availabilityZone = options.availabilityZone ?? `${REGION}a`;
  return using(ec2(), async (client) => {
    const { Vpc } = await client.send(new CreateVpcCommand({ CidrBlock: cidr }));
    const vpcId = Vpc!.VpcId!;
    await client.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    await client.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const { Subnet } = await client.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: subnetCidr, AvailabilityZone: availabilityZone }),
    );
    const { GroupId } = await client.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: `ecs-sd-${randomUUID().slice(0, 8)}`,
        Description: 'ecs-service-discovery tests',
      }),
    );
    return { vpcId, subnetId: Subnet!.SubnetId!, securityGroupId: GroupId!, availabilityZone, cidr, subnetCidr };
  });
}

export async function createCluster(name: string): Promise<{ clusterName: string; clusterArn: string }> {
  return using(ecs(), async (client) => {
    const { cluster } = await client.send(new CreateClusterCommand({ clusterName: name }));
    return { clusterName: cluster!.clusterName!, clusterArn: cluster!.clusterArn! };
  });
}

export interface PortMappingSpec {
  containerPort: number;
  hostPort?: number;
  protocol?: TransportProtocol;
  name?: string;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  /** MiB; moto rejects a container without memory, so it defaults to 256 */
  memory?: number;
  cpu?: number;
  essential?: boolean;
  portMappings?: PortMappingSpec[];
  environment?: Record<string, string> | KeyValuePair[];
  dockerLabels?: Record<string, string>;
  healthCheck?: HealthCheck;
}

export interface TaskDefinitionSpec {
  family: string;
  networkMode: 'awsvpc' | 'bridge' | 'host';
  requiresCompatibilities?: Compatibility[];
  /** task-level cpu/memory; default '256'/'512' when FARGATE is required */
  cpu?: string;
  memory?: string;
  containers: ContainerSpec[];
}

const toKeyValues = (env: ContainerSpec['environment']): KeyValuePair[] | undefined =>
  env === undefined ? undefined : Array.isArray(env) ? env : Object.entries(env).map(([name, value]) => ({ name, value }));

export async function registerTaskDefinition(spec: TaskDefinitionSpec): Promise<TaskDefinition> {
  const fargate = spec.requiresCompatibilities?.includes('FARGATE') ?? false;
  return using(ecs(), async (client) => {
    const { taskDefinition } = await client.send(
      new RegisterTaskDefinitionCommand({
        family: spec.family,
        networkMode: spec.networkMode,
        requiresCompatibilities: spec.requiresCompatibilities,
        cpu: spec.cpu ?? (fargate ? '256' : undefined),
        memory: spec.memory ?? (fargate ? '512' : undefined),
        containerDefinitions: spec.containers.map((c) => ({
          name: c.name,
          image: c.image ?? 'public.ecr.aws/docker/library/nginx:latest',
          memory: c.memory ?? 256,
          cpu: c.cpu,
          essential: c.essential ?? true,
          portMappings: c.portMappings?.map((p) => ({
            containerPort: p.containerPort,
            hostPort: p.hostPort,
            protocol: p.protocol ?? 'tcp',
            name: p.name,
          })),
          environment: toKeyValues(c.environment),
          dockerLabels: c.dockerLabels,
          healthCheck: c.healthCheck,
        })),
      }),
    );
    return taskDefinition!;
  });
}

const taskDefinitionRef = (td: string | TaskDefinition): string =>
  typeof td === 'string' ? td : td.taskDefinitionArn!;

function failIfAny(failures: Array<{ arn?: string; reason?: string; detail?: string }> | undefined, what: string): void {
  if (failures?.length) {
    throw new Error(`${what} failed: ${failures.map((f) => `${f.arn ?? ''} ${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ')}`);
  }
}

/**
 * RunTask in awsvpc mode (at most 10 per call, so larger counts take several calls). Returns RunTask's own task
 * objects (with the ENI attachment), so moto's per-DescribeTasks status progression is not triggered.
 */
export async function runAwsvpcTasks(options: {
  cluster: string;
  taskDefinition: string | TaskDefinition;
  count: number;
  vpc: ScenarioVpc;
  group?: string;
  launchType?: 'FARGATE' | 'EC2';
  startedBy?: string;
  overrides?: TaskOverride;
}): Promise<Task[]> {
  const sizes = chunk(Array.from({ length: options.count }), 10).map((c) => c.length);
  return using(ecs(), async (client) => {
    const tasks: Task[] = [];
    for (const count of sizes) {
      const out = await client.send(
        new RunTaskCommand({
          cluster: options.cluster,
          taskDefinition: taskDefinitionRef(options.taskDefinition),
          count,
          launchType: options.launchType ?? 'FARGATE',
          group: options.group,
          startedBy: options.startedBy,
          overrides: options.overrides,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [options.vpc.subnetId],
              securityGroups: [options.vpc.securityGroupId],
              assignPublicIp: 'DISABLED',
            },
          },
        }),
      );
      failIfAny(out.failures, 'RunTask');
      tasks.push(...(out.tasks ?? []));
    }
    return tasks;
  });
}

export interface ScenarioContainerInstance {
  containerInstanceArn: string;
  ec2InstanceId: string;
  privateIpAddress: string;
}

/**
 * An EC2 instance in the VPC's subnet registered as a container instance whose identity document names it, so
 * DescribeContainerInstances -> ec2InstanceId -> DescribeInstances -> PrivateIpAddress resolves.
 */
export async function registerEc2ContainerInstance(options: {
  cluster: string;
  vpc: ScenarioVpc;
  instanceType?: string;
}): Promise<ScenarioContainerInstance> {
  const instanceType = options.instanceType ?? 't3.medium';
  const instance = await using(ec2(), async (client) => {
    const out = await client.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b', // an AMI in moto's default catalogue
        MinCount: 1,
        MaxCount: 1,
        InstanceType: instanceType as _InstanceType,
        SubnetId: options.vpc.subnetId,
        SecurityGroupIds: [options.vpc.securityGroupId],
      }),
    );
    return out.Instances![0];
  });
  const identity = {
    accountId: ACCOUNT_ID,
    architecture: 'x86_64',
    availabilityZone: instance.Placement?.AvailabilityZone ?? options.vpc.availabilityZone,
    imageId: instance.ImageId,
    instanceId: instance.InstanceId,
    instanceType,
    pendingTime: new Date().toISOString(),
    privateIp: instance.PrivateIpAddress,
    region: REGION,
    version: '2017-09-30',
  };
  const containerInstance = await using(ecs(), async (client) => {
    const out = await client.send(
      new RegisterContainerInstanceCommand({
        cluster: options.cluster,
        instanceIdentityDocument: JSON.stringify(identity),
      }),
    );
    return out.containerInstance!;
  });
  return {
    containerInstanceArn: containerInstance.containerInstanceArn!,
    ec2InstanceId: containerInstance.ec2InstanceId ?? instance.InstanceId!,
    privateIpAddress: instance.PrivateIpAddress!,
  };
}

/** StartTask on one container instance, `count` times (bridge or host network mode). */
export async function runBridgeTasks(options: {
  cluster: string;
  taskDefinition: string | TaskDefinition;
  containerInstance: string | Pick<ScenarioContainerInstance, 'containerInstanceArn'>;
  count: number;
  group?: string;
  startedBy?: string;
  overrides?: TaskOverride;
}): Promise<Task[]> {
  const containerInstanceArn =
    typeof options.containerInstance === 'string' ? options.containerInstance : options.containerInstance.containerInstanceArn;
  return using(ecs(), async (client) => {
    const tasks: Task[] = [];
    for (let i = 0; i < options.count; i++) {
      const out = await client.send(
        new StartTaskCommand({
          cluster: options.cluster,
          taskDefinition: taskDefinitionRef(options.taskDefinition),
          containerInstances: [containerInstanceArn],
          group: options.group,
          startedBy: options.startedBy,
          overrides: options.overrides,
        }),
      );
      failIfAny(out.failures, 'StartTask');
      tasks.push(...(out.tasks ?? []));
    }
    return tasks;
  });
}

/** DescribeTasks in chunks of 100, in the order asked. Each call advances unpinned moto tasks one status. */
export async function describeTasks(cluster: string, arns: string[]): Promise<Task[]> {
  return using(ecs(), async (client) => {
    const found = new Map<string, Task>();
    for (const part of chunk(arns, 100)) {
      const out = await client.send(new DescribeTasksCommand({ cluster, tasks: part }));
      for (const task of out.tasks ?? []) found.set(task.taskArn!, task);
    }
    return arns.map((arn) => found.get(arn) ?? [...found.values()].find((t) => t.taskArn!.endsWith(`/${arn}`))).filter(
      (t): t is Task => t !== undefined,
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Route 53 state

/** Creates a hosted zone (private and associated with the VPC when vpcId is given); returns the bare zone id. */
export async function createHostedZone(name: string, vpcId?: string): Promise<string> {
  return using(new Route53Client({ region: REGION }), async (client) => {
    const out = await client.send(
      new CreateHostedZoneCommand({
        Name: name,
        CallerReference: randomUUID(),
        ...(vpcId
          ? { VPC: { VPCId: vpcId, VPCRegion: REGION }, HostedZoneConfig: { PrivateZone: true, Comment: 'tests' } }
          : {}),
      }),
    );
    return out.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  });
}

export interface RecordView {
  name: string;
  type: string;
  /** absent on alias records */
  ttl?: number;
  /** sorted */
  values: string[];
  setIdentifier?: string;
  weight?: number;
  multiValueAnswer?: boolean;
  aliasTarget?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth: boolean };
}

function toView(set: ResourceRecordSet): RecordView {
  const view: RecordView = {
    name: set.Name!,
    type: set.Type!,
    values: (set.ResourceRecords ?? []).map((r) => r.Value!).sort(),
  };
  if (!set.AliasTarget && set.TTL !== undefined) view.ttl = set.TTL;
  if (set.SetIdentifier !== undefined) view.setIdentifier = set.SetIdentifier;
  if (set.Weight !== undefined) view.weight = set.Weight;
  if (set.MultiValueAnswer !== undefined) view.multiValueAnswer = set.MultiValueAnswer;
  if (set.AliasTarget) {
    view.aliasTarget = {
      dnsName: set.AliasTarget.DNSName!,
      hostedZoneId: set.AliasTarget.HostedZoneId!,
      evaluateTargetHealth: set.AliasTarget.EvaluateTargetHealth ?? false,
    };
  }
  return view;
}

const compareViews = (a: RecordView, b: RecordView): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 :
  (a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : (a.setIdentifier ?? '') > (b.setIdentifier ?? '') ? 1 : 0;

/**
 * Every record set of the zone except SOA and NS, as plain objects sorted by name, type and set identifier.
 * Pages through ListResourceRecordSets (300 per page). Straight against moto, whose pages restart at the first set
 * of a name+type, repeated sets are dropped; if a page brings nothing new, the listing is read in one page.
 * options.endpoint: e.g. a Route53Guard's url (default: AWS_ENDPOINT_URL_ROUTE_53, i.e. moto).
 */
export async function listRecords(zoneId: string, options: { endpoint?: string } = {}): Promise<RecordView[]> {
  const client = new Route53Client({ region: REGION, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  return using(client, async () => {
    const read = async (pageSize: number): Promise<ResourceRecordSet[] | undefined> => {
      const seen = new Map<string, ResourceRecordSet>();
      let start: { name?: string; type?: RRType; identifier?: string } = {};
      for (;;) {
        const page = await client.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            MaxItems: pageSize,
            StartRecordName: start.name,
            StartRecordType: start.type,
            StartRecordIdentifier: start.identifier,
          }),
        );
        let added = 0;
        for (const set of page.ResourceRecordSets ?? []) {
          const key = JSON.stringify(set);
          if (!seen.has(key)) {
            seen.set(key, set);
            added++;
          }
        }
        if (!page.IsTruncated) return [...seen.values()];
        if (added === 0) return undefined;
        start = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
      }
    };
    const sets = (await read(300)) ?? (await read(1_000_000)) ?? [];
    return sets
      .filter((s) => s.Type !== 'SOA' && s.Type !== 'NS')
      .map(toView)
      .sort(compareViews);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// EventBridge "ECS Task State Change" events

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface EventNetworkBinding {
  bindIP: string;
  containerPort: number;
  hostPort: number;
  protocol: string;
}

export interface EventContainer {
  containerArn: string;
  lastStatus: string;
  name: string;
  image: string;
  taskArn: string;
  networkInterfaces: Array<{ attachmentId: string; privateIpv4Address: string }>;
  networkBindings?: EventNetworkBinding[];
  cpu: string;
  memory?: string;
  healthStatus?: HealthStatus;
  exitCode?: number;
}

export interface TaskStateChangeDetail {
  attachments: Array<{ id: string; type: string; status: string; details: Array<{ name: string; value: string }> }>;
  availabilityZone: string;
  clusterArn: string;
  containerInstanceArn?: string;
  containers: EventContainer[];
  cpu: string;
  memory: string;
  createdAt: string;
  connectivity?: string;
  connectivityAt?: string;
  desiredStatus: string;
  group: string;
  launchType: string;
  lastStatus: string;
  overrides: { containerOverrides: Array<{ name: string; environment?: Array<{ name: string; value: string }> }> };
  startedAt?: string;
  startedBy?: string;
  stoppingAt?: string;
  stoppedAt?: string;
  executionStoppedAt?: string;
  stoppedReason?: string;
  stopCode?: string;
  taskArn: string;
  taskDefinitionArn: string;
  updatedAt: string;
  version: number;
}

export type TaskStateChangeEvent = EventBridgeEvent<'ECS Task State Change', TaskStateChangeDetail>;

export interface TaskEventOverrides {
  /** detail.version (moto has none); default 1 */
  version?: number;
  /** default: the task's lastStatus, else RUNNING */
  lastStatus?: string;
  /** default: the task's desiredStatus, else RUNNING */
  desiredStatus?: string;
  /** "service:NAME" or "family:NAME"; default: the task's group, else family:<task definition family> */
  group?: string;
  /** every container's healthStatus, or per container name; omitted from the event when not given */
  containerHealth?: HealthStatus | Record<string, HealthStatus>;
  /** bridge/host: containerPort -> hostPort, used when moto has no networkBindings (it never has) */
  hostPorts?: Record<number, number>;
  containerOverrides?: Array<{ name: string; environment?: Array<{ name: string; value: string }> }>;
  /** the task's definition: gives each container its port mappings (else hostPorts go to the first container) */
  taskDefinition?: TaskDefinition;
  launchType?: string;
  availabilityZone?: string;
  /** event time; default now */
  time?: Date | string;
  /** event id; default a random UUID */
  id?: string;
  startedAt?: string;
  stoppedReason?: string;
  /** attachment type as ECS events spell it ('eni'; DescribeTasks says 'ElasticNetworkInterface') */
  attachmentType?: string;
}

const PENDING_STATES = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);
const GONE_STATES = new Set(['DEPROVISIONING', 'STOPPED', 'DELETED']);

const iso = (date: Date): string => date.toISOString();

function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A stable ephemeral host port (32768-60999) per task, container and port, so repeated events agree. */
function ephemeralPort(taskArn: string, container: string, containerPort: number): number {
  const digest = createHash('sha256').update(`${taskArn}|${container}|${containerPort}`).digest();
  return 32768 + (digest.readUInt32BE(0) % (60999 - 32768 + 1));
}

/**
 * A real-shaped EventBridge "ECS Task State Change" event for a moto task (from RunTask, StartTask or
 * DescribeTasks), following the example in the ECS developer guide. awsvpc: the address comes from the task's ENI
 * attachment (privateIPv4Address) and containers list networkInterfaces; bridge/host: containers carry
 * networkBindings (moto's if any, else overrides.hostPorts, else the task definition's fixed hostPort, the
 * containerPort in host mode, or a stable ephemeral port).
 */
export function taskStateChangeEvent(task: Task, overrides: TaskEventOverrides = {}): TaskStateChangeEvent {
  const taskArn = task.taskArn!;
  const [, partitionRegionAccount] = /^arn:([^:]+:[^:]+:[^:]+:[^:]+):/.exec(taskArn) ?? [];
  const [, , region = REGION, account = ACCOUNT_ID] = (partitionRegionAccount ?? '').split(':');
  const taskId = taskArn.split('/').pop()!;
  const clusterName = task.clusterArn?.split('/').pop() ?? 'default';
  const td = overrides.taskDefinition;
  const family = td?.family ?? /task-definition\/([^:]+)/.exec(task.taskDefinitionArn ?? '')?.[1] ?? 'unknown';

  const lastStatus = overrides.lastStatus ?? task.lastStatus ?? 'RUNNING';
  const desiredStatus = overrides.desiredStatus ?? task.desiredStatus ?? 'RUNNING';
  const time = overrides.time === undefined ? new Date() : new Date(overrides.time);
  const at = (secondsBefore: number) => iso(new Date(time.getTime() - secondsBefore * 1000));

  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface' || a.type === 'eni');
  const eniDetail = (name: string) => eni?.details?.find((d) => d.name === name)?.value;
  const privateIp = eniDetail('privateIPv4Address');
  const attachmentStatus =
    lastStatus === 'STOPPED' || lastStatus === 'DELETED'
      ? 'DELETED'
      : lastStatus === 'DEPROVISIONING'
        ? 'DETACHING'
        : lastStatus === 'PROVISIONING'
          ? 'PRECREATED'
          : 'ATTACHED';
  const attachments = eni
    ? [
        {
          id: eni.id ?? randomUUID(),
          type: overrides.attachmentType ?? 'eni',
          status: attachmentStatus,
          details: (eni.details ?? []).map((d) => ({ name: d.name!, value: d.value ?? '' })),
        },
      ]
    : [];

  const containerStatus = PENDING_STATES.has(lastStatus) ? 'PENDING' : GONE_STATES.has(lastStatus) ? 'STOPPED' : 'RUNNING';
  const health = (name: string): HealthStatus | undefined =>
    typeof overrides.containerHealth === 'string' ? overrides.containerHealth : overrides.containerHealth?.[name];

  // moto gives a task one container (the first definition's); with the task definition at hand, list them all
  interface ContainerSource {
    name: string;
    image?: string;
    cpu?: number | string;
    memory?: number | string;
    arnId: string;
    exitCode?: number;
    networkBindings?: NetworkBinding[];
  }
  const motoContainers = task.containers ?? [];
  const taskContainers: ContainerSource[] = td?.containerDefinitions?.length
    ? td.containerDefinitions.map((d) => {
        const fromMoto = motoContainers.find((c) => c.name === d.name);
        return {
          name: d.name!,
          image: d.image ?? fromMoto?.image,
          cpu: d.cpu ?? fromMoto?.cpu,
          memory: d.memory ?? fromMoto?.memory,
          arnId: fromMoto?.containerArn?.split('/').pop() ?? stableUuid(`${taskArn}|${d.name}`),
          exitCode: fromMoto?.exitCode,
          networkBindings: fromMoto?.networkBindings,
        };
      })
    : motoContainers.map((c) => ({
        name: c.name!,
        image: c.image,
        cpu: c.cpu,
        memory: c.memory,
        arnId: c.containerArn?.split('/').pop() ?? stableUuid(`${taskArn}|${c.name}`),
        exitCode: c.exitCode,
        networkBindings: c.networkBindings,
      }));
  const containers: EventContainer[] = taskContainers.map((c, index) => {
    const name = c.name;
    const container: EventContainer = {
      containerArn: `arn:aws:ecs:${region}:${account}:container/${clusterName}/${taskId}/${c.arnId}`,
      lastStatus: containerStatus,
      name,
      image: c.image ?? '',
      taskArn,
      networkInterfaces:
        eni && privateIp ? [{ attachmentId: eni.id ?? attachments[0].id, privateIpv4Address: privateIp }] : [],
      cpu: String(c.cpu ?? '0'),
    };
    if (c.memory !== undefined) container.memory = String(c.memory);
    if (containerStatus === 'STOPPED') container.exitCode = c.exitCode ?? 0;
    const status = health(name);
    if (status) container.healthStatus = status;
    if (!eni) {
      const fromMoto = (c.networkBindings ?? []).filter((b) => b.containerPort !== undefined && b.hostPort !== undefined);
      if (fromMoto.length) {
        container.networkBindings = fromMoto.map((b) => ({
          bindIP: b.bindIP ?? '0.0.0.0',
          containerPort: b.containerPort!,
          hostPort: b.hostPort!,
          protocol: b.protocol ?? 'tcp',
        }));
      } else {
        const definition = td?.containerDefinitions?.find((d) => d.name === name);
        const mappings: PortMappingSpec[] = definition
          ? (definition.portMappings ?? []).map((p) => ({
              containerPort: p.containerPort!,
              hostPort: p.hostPort,
              protocol: p.protocol,
            }))
          : index === 0
            ? Object.keys(overrides.hostPorts ?? {}).map((port) => ({ containerPort: Number(port) }))
            : [];
        container.networkBindings = mappings.map((p) => ({
          bindIP: '0.0.0.0',
          containerPort: p.containerPort,
          hostPort:
            overrides.hostPorts?.[p.containerPort] ??
            (td?.networkMode === 'host' ? p.containerPort : p.hostPort || ephemeralPort(taskArn, name, p.containerPort)),
          protocol: p.protocol ?? 'tcp',
        }));
      }
    }
    return container;
  });

  const sum = (values: Array<number | string | undefined>) => values.reduce<number>((n, v) => n + (Number(v) || 0), 0);
  const launchType = overrides.launchType ?? (task.launchType || (eni ? 'FARGATE' : 'EC2'));
  const started = !PENDING_STATES.has(lastStatus);
  const stopping = desiredStatus === 'STOPPED' || !['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(lastStatus);

  const detail: TaskStateChangeDetail = {
    attachments,
    availabilityZone: overrides.availabilityZone ?? task.availabilityZone ?? `${region}a`,
    clusterArn: task.clusterArn!,
    ...(task.containerInstanceArn ? { containerInstanceArn: task.containerInstanceArn } : {}),
    containers,
    cpu: td?.cpu ?? task.cpu ?? String(sum(taskContainers.map((c) => c.cpu)) || 256),
    memory: td?.memory ?? task.memory ?? String(sum(taskContainers.map((c) => c.memory)) || 512),
    createdAt: at(60),
    ...(eni ? { connectivity: 'CONNECTED', connectivityAt: at(50) } : {}),
    desiredStatus,
    group: overrides.group ?? (task.group || `family:${family}`),
    launchType,
    lastStatus,
    overrides: {
      containerOverrides:
        overrides.containerOverrides ??
        (task.overrides?.containerOverrides?.length
          ? task.overrides.containerOverrides.map((o) => ({
              name: o.name!,
              ...(o.environment ? { environment: o.environment.map((e) => ({ name: e.name!, value: e.value ?? '' })) } : {}),
            }))
          : taskContainers.map((c) => ({ name: c.name! }))),
    },
    ...(started ? { startedAt: overrides.startedAt ?? at(30) } : {}),
    ...(task.startedBy ? { startedBy: task.startedBy } : {}),
    ...(stopping ? { stoppingAt: at(5) } : {}),
    ...(GONE_STATES.has(lastStatus)
      ? {
          stoppedAt: iso(time),
          executionStoppedAt: at(2),
          stoppedReason: overrides.stoppedReason ?? (task.stoppedReason || 'Task stopped by user'),
          stopCode: 'UserInitiated',
        }
      : stopping && overrides.stoppedReason
        ? { stoppedReason: overrides.stoppedReason }
        : {}),
    taskArn,
    taskDefinitionArn: task.taskDefinitionArn!,
    updatedAt: iso(time),
    version: overrides.version ?? 1,
  };

  return {
    version: '0',
    id: overrides.id ?? randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account,
    time: iso(time).replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [taskArn],
    detail,
  };
}
