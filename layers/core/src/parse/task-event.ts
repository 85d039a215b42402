// Validates an "ECS Task State Change" EventBridge event and reduces it to what the registrar needs.
// Shapes follow the ECS documentation's example events; unknown fields are ignored.
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
    .array(z.object({ privateIpv4Address: z.string().optional(), attachmentId: z.string().optional() }))
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
  /** ENI address for awsvpc tasks (attachment detail privateIPv4Address, else the container's privateIpv4Address) */
  eniAddress?: string;
  containers: EventContainer[];
  /** environment from overrides.containerOverrides, by container name */
  environmentOverrides: Record<string, Record<string, string>>;
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

export function parseTaskEvent(raw: unknown): TaskEvent {
  const parsed = TaskStateChangeEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidEventError('Not a valid ECS Task State Change event', issues);
  }
  const { id, detail } = parsed.data;
  const eniDetails = detail.attachments?.find((a) => a.type === 'eni' || a.type === 'ElasticNetworkInterface')?.details;
  const eniAddress =
    eniDetails?.find((d) => d.name === 'privateIPv4Address')?.value ??
    detail.containers.flatMap((c) => c.networkInterfaces ?? []).find((n) => n.privateIpv4Address)?.privateIpv4Address;
  const environmentOverrides: Record<string, Record<string, string>> = {};
  for (const override of detail.overrides?.containerOverrides ?? []) {
    environmentOverrides[override.name] = Object.fromEntries(
      (override.environment ?? []).map((kv) => [kv.name, kv.value ?? '']),
    );
  }
  return {
    eventId: id,
    taskArn: detail.taskArn,
    taskId: detail.taskArn.split('/').pop() as string,
    clusterArn: detail.clusterArn,
    taskDefinitionArn: detail.taskDefinitionArn,
    version: detail.version,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.desiredStatus,
    group: detail.group,
    serviceName: detail.group?.startsWith('service:') ? detail.group.slice('service:'.length) : undefined,
    containerInstanceArn: detail.containerInstanceArn,
    startedAt: detail.startedAt,
    eniAddress,
    containers: detail.containers,
    environmentOverrides,
  };
}
