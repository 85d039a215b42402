// Validates an "AWS API Call via CloudTrail" EventBridge event for ECS CreateService, UpdateService or DeleteService
// and reduces it to what the LB registrar needs. Field names follow CloudTrail's record contents and the ECS API:
//
//   CreateService   requestParameters.serviceName            responseElements.service (the created service)
//   UpdateService   requestParameters.service (name or ARN)  responseElements.service (the service after the call)
//   DeleteService   requestParameters.service (name or ARN)  responseElements.service (status DRAINING)
//   cluster         requestParameters.cluster: short name, ARN, or absent (= "default")
//   failed call     errorCode + errorMessage, responseElements null
//
// responseElements.service is preferred (ECS has applied defaults and resolved names to ARNs there);
// requestParameters are the fallback. Unknown fields are ignored.
import { z } from 'zod';
import { InvalidEventError } from './task-event';

export const ECS_SERVICE_EVENT_NAMES = ['CreateService', 'UpdateService', 'DeleteService'] as const;
export type EcsServiceEventName = (typeof ECS_SERVICE_EVENT_NAMES)[number];

const LoadBalancerEntry = z
  .object({
    targetGroupArn: z.string().min(1).nullish(),
    loadBalancerName: z.string().min(1).nullish(),
    containerName: z.string().nullish(),
    containerPort: z.number().int().nullish(),
  })
  .refine((lb) => Boolean(lb.targetGroupArn) || Boolean(lb.loadBalancerName), {
    message: 'a load balancer entry needs targetGroupArn or loadBalancerName',
  });

const ServiceDescription = z.object({
  serviceArn: z.string().nullish(),
  serviceName: z.string().nullish(),
  clusterArn: z.string().nullish(),
  status: z.string().nullish(),
  loadBalancers: z.array(LoadBalancerEntry).nullish(),
});

const Detail = z.object({
  eventID: z.string().min(1),
  eventTime: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a timestamp'),
  eventSource: z.literal('ecs.amazonaws.com'),
  eventName: z.enum(ECS_SERVICE_EVENT_NAMES),
  awsRegion: z.string().min(1),
  recipientAccountId: z.string().nullish(),
  userIdentity: z.object({ accountId: z.string().nullish() }).nullish(),
  errorCode: z.string().nullish(),
  errorMessage: z.string().nullish(),
  requestParameters: z
    .object({
      cluster: z.string().nullish(),
      serviceName: z.string().nullish(),
      service: z.string().nullish(),
      loadBalancers: z.array(LoadBalancerEntry).nullish(),
    })
    .nullish(),
  responseElements: z.object({ service: ServiceDescription.nullish() }).nullish(),
});

export const CloudTrailServiceEventSchema = z.object({
  id: z.string().min(1),
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  account: z.string().nullish(),
  time: z.string().nullish(),
  detail: Detail,
});

export type LoadBalancerRef =
  | { kind: 'target-group'; targetGroupArn: string; containerName?: string; containerPort?: number }
  | { kind: 'classic'; loadBalancerName: string; containerName?: string; containerPort?: number };

export interface ServiceChangeEvent {
  /** CloudTrail's eventID: the idempotency key (EventBridge's `id` differs between deliveries of one record) */
  eventId: string;
  eventName: EcsServiceEventName;
  /** ISO 8601, as CloudTrail wrote it (second precision) */
  eventTime: string;
  eventTimeMs: number;
  clusterArn: string;
  /** exactly as ECS knows it (case preserved) */
  serviceName: string;
  serviceArn: string;
  /**
   * The service's load balancers after the call. Undefined when the event does not say (an UpdateService without
   * a response and without loadBalancers in the request leaves them unchanged).
   */
  loadBalancers?: LoadBalancerRef[];
  loadBalancersFrom: 'response' | 'request' | 'unknown';
}

export interface FailedServiceCall {
  eventId: string;
  eventName: EcsServiceEventName;
  eventTime: string;
  errorCode: string;
  errorMessage?: string;
  serviceName?: string;
  cluster?: string;
}

export type ParsedServiceEvent = { kind: 'change'; event: ServiceChangeEvent } | { kind: 'failed-call'; call: FailedServiceCall };

const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([^:]+):(\d{12}):cluster\/(.+)$/;
const SERVICE_ARN = /^arn:(aws[a-z-]*):ecs:([^:]+):(\d{12}):service\/(?:([^/]+)\/)?([^/]+)$/;

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/** `arn:...:cluster/<name>` -> the same ARN; a short name -> its ARN in the event's account and Region. */
export function clusterArnOf(cluster: string | undefined, region: string, account: string): string {
  const value = cluster?.trim() || 'default';
  if (CLUSTER_ARN.test(value)) return value;
  return `arn:${partitionOf(region)}:ecs:${region}:${account}:cluster/${value}`;
}

/** The long service ARN format: arn:...:service/<cluster>/<service>. */
export function serviceArnOf(clusterArn: string, serviceName: string): string {
  const m = CLUSTER_ARN.exec(clusterArn);
  if (!m) throw new Error(`not a cluster ARN: ${clusterArn}`);
  return `arn:${m[1]}:ecs:${m[2]}:${m[3]}:service/${m[4]}/${serviceName}`;
}

/** `web`, `arn:...:service/web` (old format) or `arn:...:service/demo/web` -> name (and cluster, if the ARN has one). */
export function parseServiceReference(reference: string): { serviceName: string; clusterName?: string } {
  const m = SERVICE_ARN.exec(reference);
  if (m) return { serviceName: m[5], clusterName: m[4] };
  return { serviceName: reference };
}

function toRefs(entries: z.infer<typeof LoadBalancerEntry>[]): LoadBalancerRef[] {
  return entries.map((lb) => {
    const extra = {
      ...(lb.containerName ? { containerName: lb.containerName } : {}),
      ...(typeof lb.containerPort === 'number' ? { containerPort: lb.containerPort } : {}),
    };
    return lb.targetGroupArn
      ? { kind: 'target-group' as const, targetGroupArn: lb.targetGroupArn, ...extra }
      : { kind: 'classic' as const, loadBalancerName: lb.loadBalancerName as string, ...extra };
  });
}

/**
 * Throws InvalidEventError for anything that is not a well-formed CloudTrail record of the three calls. A call that
 * failed (errorCode set) is returned as `failed-call`: valid, but nothing may happen for it.
 */
export function parseCloudTrailServiceEvent(raw: unknown): ParsedServiceEvent {
  const parsed = CloudTrailServiceEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
    throw new InvalidEventError(`Not a CloudTrail record of an ECS service call: ${issues.join('; ')}`, issues);
  }
  const { detail } = parsed.data;
  const request = detail.requestParameters ?? {};
  const eventTimeMs = Date.parse(detail.eventTime);
  const eventTime = new Date(eventTimeMs).toISOString();
  const requestName = detail.eventName === 'CreateService' ? request.serviceName : request.service;

  if (detail.errorCode) {
    return {
      kind: 'failed-call',
      call: {
        eventId: detail.eventID,
        eventName: detail.eventName,
        eventTime,
        errorCode: detail.errorCode,
        ...(detail.errorMessage ? { errorMessage: detail.errorMessage } : {}),
        ...(requestName ? { serviceName: parseServiceReference(requestName).serviceName } : {}),
        ...(request.cluster ? { cluster: request.cluster } : {}),
      },
    };
  }

  const fail = (message: string): never => {
    throw new InvalidEventError(`Not usable: ${message}`, [message]);
  };
  const service = detail.responseElements?.service ?? undefined;
  const reference = requestName ? parseServiceReference(requestName) : undefined;
  const serviceName =
    service?.serviceName ??
    (service?.serviceArn ? parseServiceReference(service.serviceArn).serviceName : undefined) ??
    reference?.serviceName ??
    fail('no service name (requestParameters.serviceName / .service, responseElements.service.serviceName)');

  const account =
    detail.recipientAccountId ?? parsed.data.account ?? detail.userIdentity?.accountId ?? fail('no account ID');
  const responseCluster = service?.clusterArn && CLUSTER_ARN.test(service.clusterArn) ? service.clusterArn : undefined;
  const clusterArn =
    responseCluster ?? clusterArnOf(request.cluster ?? reference?.clusterName ?? undefined, detail.awsRegion, account);

  let loadBalancers: LoadBalancerRef[] | undefined;
  let loadBalancersFrom: ServiceChangeEvent['loadBalancersFrom'] = 'unknown';
  if (service) {
    loadBalancers = toRefs(service.loadBalancers ?? []);
    loadBalancersFrom = 'response';
  } else if (request.loadBalancers) {
    loadBalancers = toRefs(request.loadBalancers);
    loadBalancersFrom = 'request';
  } else if (detail.eventName === 'CreateService') {
    loadBalancers = []; // a service created without loadBalancers has none
    loadBalancersFrom = 'request';
  }

  return {
    kind: 'change',
    event: {
      eventId: detail.eventID,
      eventName: detail.eventName,
      eventTime,
      eventTimeMs,
      clusterArn,
      serviceName,
      serviceArn: serviceArnOf(clusterArn, serviceName),
      ...(loadBalancers ? { loadBalancers } : {}),
      loadBalancersFrom,
    },
  };
}
