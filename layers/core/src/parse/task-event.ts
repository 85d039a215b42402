// Validates an "ECS Task State Change" EventBridge event and reduces it to what the registrar needs.
// Shapes follow the ECS documentation's example events; unknown fields are ignored.
//
// Addresses (awsvpc): the ENI attachment's details carry privateIPv4Address and, on dual-stack or IPv6-only subnets,
// ipv6Address; containers[].networkInterfaces[] spell them privateIpv4Address / ipv6Address (ECS API reference,
// NetworkInterface). Each must be an IP literal of its family (node:net isIP); an invalid one, or a malformed
// containerInstanceArn, is dropped and named in `fieldWarnings` (the caller logs one WARN line per field), so one
// bad field never turns into a record value.
import { isIP } from 'node:net';
import { z } from 'zod';

const KeyValue = z.object({ name: z.string(), value: z.string().optional() });

const NetworkBinding = z.object({
  bindIP: z.string().optional(),
  containerPort: z.number().int().optional(),
  hostPort: z.number().int().optional(),
  protocol: z.string().optional(),
});

const Container = z.object({
  name: z.string(),
  lastStatus: z.string().optional(),
  healthStatus: z.string().optional(),
  networkBindings: z.array(NetworkBinding).optional(),
  networkInterfaces: z
    .array(
      z.object({
        privateIpv4Address: z.string().optional(),
        ipv6Address: z.string().optional(),
        attachmentId: z.string().optional(),
      }),
    )
    .optional(),
});

const TaskDetail = z.object({
  taskArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task\/.+/, 'not an ECS task ARN'),
  clusterArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:cluster\/.+/, 'not an ECS cluster ARN'),
  taskDefinitionArn: z.string().min(1),
  version: z.number().int().nonnegative(),
  lastStatus: z.string().min(1),
  desiredStatus: z.string().min(1),
  group: z.string().optional(),
  launchType: z.string().optional(),
  containerInstanceArn: z.string().optional(),
  startedAt: z.string().optional(),
  healthStatus: z.string().optional(),
  attachments: z
    .array(z.object({ type: z.string().optional(), status: z.string().optional(), details: z.array(KeyValue).optional() }))
    .optional(),
  containers: z.array(Container).default([]),
  overrides: z
    .object({
      containerOverrides: z
        .array(z.object({ name: z.string(), environment: z.array(KeyValue).optional() }))
        .optional(),
    })
    .optional(),
});

export const TaskStateChangeEventSchema = z.object({
  id: z.string().min(1),
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  time: z.string().optional(),
  detail: TaskDetail,
});

export type TaskStateChangeEvent = z.infer<typeof TaskStateChangeEventSchema>;
export type TaskDetail = z.infer<typeof TaskDetail>;
export type EventContainer = z.infer<typeof Container>;

export interface TaskEvent {
  eventId: string;
  /** the EventBridge event's `time` (epoch ms), when it is a valid time: the start of event-to-DNS latency */
  eventTime?: number;
  taskArn: string;
  taskId: string;
  clusterArn: string;
  taskDefinitionArn: string;
  version: number;
  lastStatus: string;
  desiredStatus: string;
  /** "service:NAME" -> NAME, else undefined */
  serviceName?: string;
  group?: string;
  containerInstanceArn?: string;
  startedAt?: string;
  /** ENI IPv4 address for awsvpc tasks (attachment detail privateIPv4Address, else the container's privateIpv4Address) */
  eniAddress?: string;
  /** ENI IPv6 address for awsvpc tasks on dual-stack or IPv6-only subnets (attachment detail ipv6Address, else the
   * container's ipv6Address) */
  eniIpv6Address?: string;
  containers: EventContainer[];
  /** environment from overrides.containerOverrides, by container name */
  environmentOverrides: Record<string, Record<string, string>>;
  /** fields that were present but invalid and therefore ignored, one line each naming the field and the rule */
  fieldWarnings?: string[];
}

export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

const STOPPING_STATUSES = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'DELETED']);

/** Deregister at the first sign of stopping, so clients drain before the task dies. */
export function isStopping(event: Pick<TaskEvent, 'desiredStatus' | 'lastStatus'>): boolean {
  return event.desiredStatus === 'STOPPED' || STOPPING_STATUSES.has(event.lastStatus);
}

const CONTAINER_INSTANCE_ARN = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:container-instance\/.+/;

/**
 * The first value that is an IP literal of `family`; every invalid candidate adds one warning naming its field.
 * Candidates are [field, value] in order of preference (the attachment's detail first, then the containers').
 */
function firstAddress(family: 4 | 6, candidates: [string, string | undefined][], warnings: string[]): string | undefined {
  let found: string | undefined;
  const rejected = new Set<string>();
  for (const [field, value] of candidates) {
    if (value === undefined || value === '') continue;
    if (isIP(value) === family && !value.includes('%')) found ??= value;
    else if (!rejected.has(value)) {
      // Every container repeats the task's ENI address: name a bad value once.
      rejected.add(value);
      warnings.push(`${field}: ${JSON.stringify(value.slice(0, 64))} is not an IPv${family} address; ignored`);
    }
  }
  return found;
}

/**
 * Parses and validates an ECS Task State Change event (or a DescribeTasks snapshot shaped as one, ecs/snapshot.ts).
 * Throws InvalidEventError (issues name the fields) when the task cannot be identified or versioned; invalid
 * addresses and container instance ARNs are dropped instead, and listed in `fieldWarnings`.
 */
export function parseTaskEvent(raw: unknown): TaskEvent {
  const parsed = TaskStateChangeEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidEventError('Not a valid ECS Task State Change event', issues);
  }
  const { id, detail, time } = parsed.data;
  const eventTime = time === undefined ? NaN : Date.parse(time);
  const warnings: string[] = [];
  const eniDetails = detail.attachments?.find((a) => a.type === 'eni' || a.type === 'ElasticNetworkInterface')?.details;
  const eniDetail = (name: string): [string, string | undefined] => [
    `detail.attachments[eni].details.${name}`,
    eniDetails?.find((d) => d.name === name)?.value,
  ];
  const containerNics = detail.containers.flatMap((c) =>
    (c.networkInterfaces ?? []).map((nic) => ({ container: c.name, nic })),
  );
  const eniAddress = firstAddress(
    4,
    [
      eniDetail('privateIPv4Address'),
      ...containerNics.map(({ container, nic }): [string, string | undefined] => [
        `detail.containers[${container}].networkInterfaces.privateIpv4Address`,
        nic.privateIpv4Address,
      ]),
    ],
    warnings,
  );
  const eniIpv6Address = firstAddress(
    6,
    [
      eniDetail('ipv6Address'),
      ...containerNics.map(({ container, nic }): [string, string | undefined] => [
        `detail.containers[${container}].networkInterfaces.ipv6Address`,
        nic.ipv6Address,
      ]),
    ],
    warnings,
  );
  let containerInstanceArn = detail.containerInstanceArn;
  if (containerInstanceArn !== undefined && !CONTAINER_INSTANCE_ARN.test(containerInstanceArn)) {
    warnings.push(`detail.containerInstanceArn: ${JSON.stringify(containerInstanceArn.slice(0, 128))} is not an ECS container instance ARN; ignored`);
    containerInstanceArn = undefined;
  }
  const environmentOverrides: Record<string, Record<string, string>> = {};
  for (const override of detail.overrides?.containerOverrides ?? []) {
    environmentOverrides[override.name] = Object.fromEntries(
      (override.environment ?? []).map((kv) => [kv.name, kv.value ?? '']),
    );
  }
  return {
    eventId: id,
    ...(Number.isFinite(eventTime) ? { eventTime } : {}),
    taskArn: detail.taskArn,
    taskId: detail.taskArn.split('/').pop() as string,
    clusterArn: detail.clusterArn,
    taskDefinitionArn: detail.taskDefinitionArn,
    version: detail.version,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.desiredStatus,
    group: detail.group,
    serviceName: detail.group?.startsWith('service:') ? detail.group.slice('service:'.length) : undefined,
    containerInstanceArn,
    startedAt: detail.startedAt,
    eniAddress,
    eniIpv6Address,
    containers: detail.containers,
    environmentOverrides,
    ...(warnings.length > 0 ? { fieldWarnings: warnings } : {}),
  };
}
