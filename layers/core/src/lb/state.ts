// Per-service state of the LB registrar, in the same DynamoDB table as the task state:
//
//   pk LBSERVICE#<clusterArn>#<serviceName>  sk LB
//     status ACTIVE | DELETED, the last applied event (eventTime, name, eventID), the service's load balancer
//     entries, the chosen load balancer and the record it should have (what the registrar writes; DeleteService
//     removes it from here, without asking the load balancer API), revision (optimistic locking),
//     expiresAt on a tombstone (DELETED), so DynamoDB TTL removes it after TOMBSTONE_TTL_SECONDS.
//
// CloudTrail delivers at least once and in no particular order. Events of one service are ordered by
// (eventTime, call): CloudTrail times have second precision, and within one second Create < Update < Delete (the
// order in which ECS accepts them for one service). An event older than the stored one changes nothing, so a late
// CreateService cannot bring a deleted service's record back while its tombstone lives.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import type { EcsServiceEventName, LoadBalancerRef, ServiceChangeEvent } from '../parse/cloudtrail-event';
import type { RecordSet } from '../plan/records';
import { errorName } from '../util/retry';
import type { LoadBalancerTarget } from './load-balancers';

export type LbServiceStatus = 'ACTIVE' | 'DELETED';

export interface LbServiceState {
  clusterArn: string;
  serviceName: string;
  serviceArn: string;
  status: LbServiceStatus;
  lastEventTime: string;
  lastEventName: EcsServiceEventName;
  lastEventId: string;
  /** the service's load balancer entries as the last applied event stated them */
  loadBalancers: LoadBalancerRef[];
  /** the load balancer the record points to */
  loadBalancer?: LoadBalancerTarget;
  /** the record the service should have at <service>.<zone>; absent: none */
  record?: RecordSet;
  /** on a tombstone: the record the service had before DeleteService (kept for the record; the delete itself is
   * authorised by the ownership marker and matches what Route 53 holds) */
  removedRecord?: RecordSet;
  /** why there is no record (no load balancer, target group not attached, service deleted, ...) */
  noRecordReason?: string;
  updatedAt: string;
  /** epoch seconds; set on tombstones only (DynamoDB TTL) */
  expiresAt?: number;
  /** bumped on every write; writers compare it */
  revision: number;
}

export const lbServiceKey = (clusterArn: string, serviceName: string) => ({
  pk: `LBSERVICE#${clusterArn}#${serviceName}`,
  sk: 'LB',
});

export class StaleLbStateError extends Error {
  constructor() {
    super('LB service state changed concurrently');
    this.name = 'StaleLbStateError';
  }
}

const RANK: Record<EcsServiceEventName, number> = { CreateService: 0, UpdateService: 1, DeleteService: 2 };

export type LbVerdict = 'apply' | 'replay' | 'stale';

/**
 * apply:  newer than anything applied (or nothing applied yet)
 * replay: this very event was applied already (its idempotency record expired or a failure interrupted it):
 *         only make the zone match the stored state again
 * stale:  an event that happened before the stored one: ignored
 * Ties (same second, same call, different eventID: two UpdateService calls within one second) cannot be ordered;
 * the later delivery wins.
 */
export function judgeLbEvent(previous: LbServiceState | undefined, event: ServiceChangeEvent): LbVerdict {
  if (!previous) return 'apply';
  if (previous.lastEventId === event.eventId) return 'replay';
  const before = Date.parse(previous.lastEventTime);
  if (event.eventTimeMs !== before) return event.eventTimeMs > before ? 'apply' : 'stale';
  return RANK[event.eventName] >= RANK[previous.lastEventName] ? 'apply' : 'stale';
}

/** What resolving the event's load balancers produced (for Create/Update with known load balancers). */
export interface LbResolution {
  loadBalancer?: LoadBalancerTarget;
  record?: RecordSet;
  noRecordReason?: string;
}

export function nextLbState(
  previous: LbServiceState | undefined,
  event: ServiceChangeEvent,
  resolution: LbResolution | undefined,
  now: Date,
  tombstoneTtlSeconds: number,
): Omit<LbServiceState, 'revision'> {
  const base = {
    clusterArn: event.clusterArn,
    serviceName: event.serviceName,
    serviceArn: event.serviceArn,
    lastEventTime: event.eventTime,
    lastEventName: event.eventName,
    lastEventId: event.eventId,
    updatedAt: now.toISOString(),
  };
  if (event.eventName === 'DeleteService') {
    return {
      ...base,
      status: 'DELETED',
      loadBalancers: previous?.loadBalancers ?? [],
      ...(previous?.record ? { removedRecord: previous.record } : {}),
      noRecordReason: 'service deleted',
      expiresAt: Math.floor(now.getTime() / 1000) + tombstoneTtlSeconds,
    };
  }
  if (!event.loadBalancers) {
    // The event does not say which load balancers the service has now: keep what we knew.
    return {
      ...base,
      status: 'ACTIVE',
      loadBalancers: previous?.loadBalancers ?? [],
      ...(previous?.status === 'ACTIVE' && previous.loadBalancer ? { loadBalancer: previous.loadBalancer } : {}),
      ...(previous?.status === 'ACTIVE' && previous.record
        ? { record: previous.record }
        : { noRecordReason: previous?.status === 'ACTIVE' ? previous.noRecordReason : 'load balancers unknown' }),
    };
  }
  return {
    ...base,
    status: 'ACTIVE',
    loadBalancers: event.loadBalancers,
    ...(resolution?.loadBalancer ? { loadBalancer: resolution.loadBalancer } : {}),
    ...(resolution?.record
      ? { record: resolution.record }
      : { noRecordReason: resolution?.noRecordReason ?? 'service has no load balancer' }),
  };
}

export class LbStateStore {
  constructor(private readonly tableName: string) {}

  async get(clusterArn: string, serviceName: string): Promise<LbServiceState | undefined> {
    const out = await documentClient().send(
      new GetCommand({ TableName: this.tableName, Key: lbServiceKey(clusterArn, serviceName), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = out.Item;
    return state as LbServiceState;
  }

  /** Writes `proposed` only if the stored state is still `previous`; throws StaleLbStateError otherwise. */
  async replace(previous: LbServiceState | undefined, proposed: Omit<LbServiceState, 'revision'>): Promise<LbServiceState> {
    const next: LbServiceState = { ...proposed, revision: (previous?.revision ?? 0) + 1 };
    try {
      await documentClient().send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lbServiceKey(next.clusterArn, next.serviceName), ...next },
          ConditionExpression: previous ? '#r = :previous' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: previous ? { '#r': 'revision' } : undefined,
          ExpressionAttributeValues: previous ? { ':previous': previous.revision } : undefined,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw new StaleLbStateError();
      throw error;
    }
    return next;
  }
}
