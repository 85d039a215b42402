import {
  judgeLbEvent,
  nextLbState,
  type LbServiceState,
  type RecordSet,
  type ServiceChangeEvent,
} from '@ecs-sd/core';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/demo';
const TG = { kind: 'target-group' as const, targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/1' };
const record: RecordSet = { name: 'web.svc.internal.', type: 'CNAME', ttl: 10, values: ['demo-alb-1.us-east-1.elb.amazonaws.com.'] };
const NOW = new Date('2025-11-20T13:00:00Z');

const event = (eventName: ServiceChangeEvent['eventName'], eventTime: string, eventId = `${eventName}-${eventTime}`): ServiceChangeEvent => ({
  eventId,
  eventName,
  eventTime: new Date(eventTime).toISOString(),
  eventTimeMs: Date.parse(eventTime),
  clusterArn: CLUSTER,
  serviceName: 'web',
  serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/web',
  loadBalancers: [TG],
  loadBalancersFrom: 'response',
});
const stored = (from: ServiceChangeEvent, overrides: Partial<LbServiceState> = {}): LbServiceState => ({
  ...nextLbState(undefined, from, { record }, NOW, 86400),
  revision: 1,
  ...overrides,
});

describe('judgeLbEvent: events of one service ordered by (eventTime, Create < Update < Delete)', () => {
  const create = event('CreateService', '2025-11-20T09:00:00Z');
  const update = event('UpdateService', '2025-11-20T10:00:00Z');
  const del = event('DeleteService', '2025-11-20T11:00:00Z');

  it.each<[string, LbServiceState | undefined, ServiceChangeEvent, string]>([
    ['first event of a service', undefined, create, 'apply'],
    ['the same event again (same eventID)', stored(create), create, 'replay'],
    ['newer Update after Create', stored(create), update, 'apply'],
    ['Create older than the stored Delete (tombstone): a late Create cannot resurrect', stored(del), create, 'stale'],
    ['Update older than the stored Delete', stored(del), update, 'stale'],
    ['Create after Delete with a newer eventTime: the service was created again', stored(del), event('CreateService', '2025-11-20T12:00:00Z'), 'apply'],
    ['same second: Delete after Create', stored(event('CreateService', '2025-11-20T11:00:00Z')), del, 'apply'],
    ['same second: Create after Delete is stale', stored(del), event('CreateService', '2025-11-20T11:00:00Z'), 'stale'],
    ['same second: Update after Create', stored(event('CreateService', '2025-11-20T10:00:00Z')), update, 'apply'],
    ['same second, same call, another eventID: the later delivery wins', stored(update), event('UpdateService', '2025-11-20T10:00:00Z', 'other'), 'apply'],
  ])('%s -> %s', (_title, previous, incoming, verdict) => {
    expect(judgeLbEvent(previous, incoming)).toBe(verdict);
  });
});

describe('nextLbState', () => {
  const create = event('CreateService', '2025-11-20T09:00:00Z');

  it('Create with a resolved load balancer: ACTIVE with the record, no TTL', () => {
    const next = nextLbState(undefined, create, { record }, NOW, 86400);
    expect(next).toMatchObject({ status: 'ACTIVE', record, lastEventId: create.eventId, lastEventName: 'CreateService' });
    expect(next.expiresAt).toBeUndefined();
  });

  it('Create without a load balancer: ACTIVE, no record, the reason kept', () => {
    const next = nextLbState(undefined, { ...create, loadBalancers: [] }, { noRecordReason: 'service has no load balancer' }, NOW, 86400);
    expect(next).toMatchObject({ status: 'ACTIVE', noRecordReason: 'service has no load balancer' });
    expect(next.record).toBeUndefined();
  });

  it('Delete: a tombstone with expiresAt = now + TOMBSTONE_TTL_SECONDS, no record, the removed record kept', () => {
    const next = nextLbState(stored(create), event('DeleteService', '2025-11-20T11:00:00Z'), undefined, NOW, 3600);
    expect(next).toMatchObject({ status: 'DELETED', removedRecord: record, expiresAt: NOW.getTime() / 1000 + 3600 });
    expect(next.record).toBeUndefined();
  });

  it('Update that does not say which load balancers: the known record stays', () => {
    const update = { ...event('UpdateService', '2025-11-20T10:00:00Z'), loadBalancers: undefined, loadBalancersFrom: 'unknown' as const };
    expect(nextLbState(stored(create), update, undefined, NOW, 86400)).toMatchObject({ status: 'ACTIVE', record });
    expect(nextLbState(undefined, update, undefined, NOW, 86400)).toMatchObject({ status: 'ACTIVE', noRecordReason: 'load balancers unknown' });
  });

  it('Update that removes the load balancers: no record', () => {
    const update = { ...event('UpdateService', '2025-11-20T10:00:00Z'), loadBalancers: [] };
    const next = nextLbState(stored(create), update, { noRecordReason: 'service has no load balancer' }, NOW, 86400);
    expect(next.record).toBeUndefined();
    expect(next.status).toBe('ACTIVE');
  });
});
