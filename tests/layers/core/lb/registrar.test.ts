// End to end: the real LB registrar, real SDK clients, moto (ELBv2, ELB, DynamoDB, Route 53) behind the Route 53
// guard. Every events/cloudtrail fixture is replayed with its target group ARNs re-pointed at moto's.
import type { Context } from 'aws-lambda';
import { lbOwnerTxtValue, lbServiceTagValue, resetClients, type LbEventResult } from '@ecs-sd/core';
import { pinEcsTasksRunning } from '../../../support/moto';
import { createCluster, createHostedZone, listRecords, taskStateChangeEvent, type RecordView } from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, sqsBatch, emfSum } from '../../../support/registrar-fixture';
import {
  cloudTrailEvent,
  createLbRegistrarFixture,
  createLoadBalancers,
  deleteLoadBalancer,
  withDetail,
  type LbRegistrarFixture,
  type LbWorld,
  type Obj,
} from '../../../support/lb-scenario';
import { freshZone, runService, useRoute53Guard, ZONE, type ZoneWorld } from '../../../support/world';

const DEMO = 'arn:aws:ecs:us-east-1:123456789012:cluster/demo';
const WEB_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/demo/web';

const guard = useRoute53Guard();

interface World extends ZoneWorld {
  lbs: LbWorld;
  registrar: LbRegistrarFixture;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const w = await freshZone();
  const lbs = await createLoadBalancers(w.vpc);
  const registrar = await createLbRegistrarFixture({ hostedZoneId: w.zoneId, zoneName: ZONE, ...env });
  guard().resetCalls();
  return { ...w, lbs, registrar };
}

/** A zone of 185 characters: `<63 characters>.<zone>` fits in 255 octets, `_owner.<63 characters>.<zone>` does not. */
const LONG_ZONE = `${['z'.repeat(63), 'z'.repeat(63), 'z'.repeat(57)].join('.')}`;

/** world(), with the LB registrar writing to a second private hosted zone named LONG_ZONE. */
async function longZoneWorld(): Promise<World> {
  const w = await freshZone();
  const zoneId = await createHostedZone(LONG_ZONE, w.vpc.vpcId);
  const lbs = await createLoadBalancers(w.vpc);
  const registrar = await createLbRegistrarFixture({ hostedZoneId: zoneId, zoneName: LONG_ZONE });
  guard().resetCalls();
  return { ...w, zoneId, lbs, registrar };
}

const context = (remainingMs = 30_000) =>
  ({
    functionName: 'lb-registrar',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:lb-registrar',
    memoryLimitInMB: '512',
    awsRequestId: 'req',
    logGroupName: '/aws/lambda/lb-registrar',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as unknown as Context;

const send = (w: World, event: Obj, remainingMs?: number): Promise<LbEventResult> =>
  w.registrar.handler(event, context(remainingMs));
const changes = () => guard().count('ChangeResourceRecordSets');
const fixture = (w: World, file: string) => cloudTrailEvent(file, w.lbs);
const zone = (w: World) => listRecords(w.zoneId);
const dot = (name: string) => `${name.toLowerCase()}.`;

const cnameTo = (service: string, dnsName: string): RecordView => ({
  name: `${service}.${ZONE}.`, type: 'CNAME', ttl: 10, values: [dot(dnsName)],
});
const markerOf = (service: string, serviceArn = `arn:aws:ecs:us-east-1:123456789012:service/demo/${service}`): RecordView => ({
  name: `_owner.${service}.${ZONE}.`,
  type: 'TXT',
  ttl: 10,
  values: [lbOwnerTxtValue('test-stack'), lbServiceTagValue(serviceArn)].sort(),
});
const emf = emfSum;
const logged = (lines: Record<string, unknown>[], level: string, message: RegExp) =>
  lines.filter((l) => l.level === level && message.test(String(l.message)));

describe('LB registrar against moto: each events/cloudtrail fixture', () => {
  it('create-service-alb (cluster by name): CNAME web -> the ALB, marker beside it, in one Route 53 call', async () => {
    const w = await world();
    const result = await send(w, fixture(w, 'create-service-alb.json'));
    expect(result).toMatchObject({ outcome: 'applied', serviceName: 'web', clusterArn: DEMO, name: 'web.svc.internal.' });
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
    expect(changes()).toBe(1);
    const state = await w.registrar.store.get(DEMO, 'web');
    expect(state).toMatchObject({ status: 'ACTIVE', lastEventName: 'CreateService', loadBalancer: { arn: w.lbs.alb.arn } });
  });

  it('create-service-nlb (cluster as an ARN): CNAME grpc -> the NLB', async () => {
    const w = await world();
    expect(await send(w, fixture(w, 'create-service-nlb.json'))).toMatchObject({ outcome: 'applied', serviceName: 'grpc' });
    expect(await zone(w)).toEqual([markerOf('grpc'), cnameTo('grpc', w.lbs.nlb.dnsName)]);
  });

  it('create-service-classic-elb: CNAME api -> the Classic ELB', async () => {
    const w = await world();
    expect(await send(w, fixture(w, 'create-service-classic-elb.json'))).toMatchObject({ outcome: 'applied', serviceName: 'api' });
    expect(await zone(w)).toEqual([markerOf('api'), cnameTo('api', w.lbs.classic.dnsName)]);
  });

  it('create-service-no-lb (default cluster): state stored, no record, no Route 53 change', async () => {
    const w = await world();
    expect(await send(w, fixture(w, 'create-service-no-lb.json'))).toMatchObject({
      outcome: 'applied',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
      changes: [],
    });
    expect(await zone(w)).toEqual([]);
    expect(changes()).toBe(0);
    expect(await w.registrar.store.get('arn:aws:ecs:us-east-1:123456789012:cluster/default', 'batch')).toMatchObject({
      status: 'ACTIVE',
      noRecordReason: 'service has no load balancer',
    });
  });

  it('create-service-failed: one clear log line, no state, no call to Route 53 at all', async () => {
    const w = await world();
    const { result, lines } = await captureLogs(() => send(w, fixture(w, 'create-service-failed.json')));
    expect(result).toEqual({ outcome: 'ignored', reason: 'the API call failed (InvalidParameterException)' });
    const warnings = logged(lines, 'WARN', /API call failed/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ errorCode: 'InvalidParameterException', serviceName: 'admin' });
    expect(guard().calls).toHaveLength(0);
    expect(await w.registrar.store.get(DEMO, 'admin')).toBeUndefined();
  });

  it('update-service (service as an ARN): re-points web to the new target group load balancer', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    expect(await send(w, fixture(w, 'update-service.json'))).toMatchObject({
      outcome: 'applied',
      changes: [
        'DELETE CNAME web.svc.internal.',
        'DELETE TXT _owner.web.svc.internal.',
        'CREATE TXT _owner.web.svc.internal.',
        'CREATE CNAME web.svc.internal.',
      ],
    });
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb2.dnsName)]);
    expect(changes()).toBe(2);
  });

  it('delete-service: removes the record after the load balancer was deleted, without calling the ELB API', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    await send(w, fixture(w, 'update-service.json'));
    await deleteLoadBalancer(w.lbs.alb2);
    await deleteLoadBalancer(w.lbs.alb);
    // Any ELB call now fails (closed port): DeleteService must work from the stored state alone.
    const saved = [process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING, process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2];
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING = 'http://127.0.0.1:9';
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = 'http://127.0.0.1:9';
    resetClients();
    try {
      expect(await send(w, fixture(w, 'delete-service.json'))).toMatchObject({
        outcome: 'applied',
        changes: ['DELETE CNAME web.svc.internal.', 'DELETE TXT _owner.web.svc.internal.'],
      });
    } finally {
      process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING = saved[0];
      process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = saved[1];
      resetClients();
    }
    expect(await zone(w)).toEqual([]);
    const tombstone = await w.registrar.store.get(DEMO, 'web');
    expect(tombstone).toMatchObject({ status: 'DELETED', removedRecord: { type: 'CNAME' } });
    expect(tombstone?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86000);
  });

  it('delete-service of a service that never had a record: nothing to do, a tombstone', async () => {
    const w = await world();
    expect(await send(w, fixture(w, 'delete-service.json'))).toMatchObject({ outcome: 'applied', changes: [] });
    expect(changes()).toBe(0);
    expect(await w.registrar.store.get(DEMO, 'web')).toMatchObject({ status: 'DELETED' });
  });
});

describe('LB_RECORD_TYPE=ALIAS', () => {
  it('ALB: an alias A record to the ALB canonical hosted zone with EvaluateTargetHealth', async () => {
    const w = await world({ LB_RECORD_TYPE: 'ALIAS' });
    await send(w, fixture(w, 'create-service-alb.json'));
    expect(await zone(w)).toEqual([
      markerOf('web'),
      {
        name: 'web.svc.internal.',
        type: 'A',
        values: [],
        aliasTarget: { dnsName: dot(w.lbs.alb.dnsName), hostedZoneId: w.lbs.alb.canonicalHostedZoneId, evaluateTargetHealth: true },
      },
    ]);
    // the same record again finds it in sync (the alias is read back and compared): no change
    guard().resetCalls();
    const again = withDetail(fixture(w, 'create-service-alb.json'), { eventID: 'again' });
    expect(await send(w, again)).toMatchObject({ outcome: 'applied', changes: [] });
    expect(changes()).toBe(0);
    await send(w, fixture(w, 'delete-service.json'));
    expect(await zone(w)).toEqual([]);
  });

  it('Classic ELB without CanonicalHostedZoneNameID (moto): falls back to a CNAME, with a warning', async () => {
    const w = await world({ LB_RECORD_TYPE: 'ALIAS' });
    const { lines } = await captureLogs(() => send(w, fixture(w, 'create-service-classic-elb.json')));
    expect(await zone(w)).toEqual([markerOf('api'), cnameTo('api', w.lbs.classic.dnsName)]);
    expect(logged(lines, 'WARN', /no canonical hosted zone ID/)).toHaveLength(1);
    expect(emf(lines, 'AliasFallbacks')).toBe(1);
  });

  it('switching CNAME -> ALIAS re-writes the record on the next event of the service', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    const alias = await createLbRegistrarFixture({ hostedZoneId: w.zoneId, zoneName: ZONE, LB_RECORD_TYPE: 'ALIAS' });
    await send({ ...w, registrar: alias }, fixture(w, 'update-service.json'));
    const records = await zone(w);
    expect(records.map((r) => `${r.type}${r.aliasTarget ? ' alias' : ''} ${r.name}`)).toEqual([
      'TXT _owner.web.svc.internal.',
      'A alias web.svc.internal.',
    ]);
  });
});

describe('edge cases of load balancers', () => {
  const createWith = (w: World, loadBalancers: Obj[], serviceName = 'web') => {
    const event = fixture(w, 'create-service-alb.json');
    event.detail.requestParameters.loadBalancers = loadBalancers;
    event.detail.requestParameters.serviceName = serviceName;
    event.detail.responseElements.service.loadBalancers = loadBalancers;
    event.detail.responseElements.service.serviceName = serviceName;
    event.detail.responseElements.service.serviceArn = `arn:aws:ecs:us-east-1:123456789012:service/demo/${serviceName}`;
    return event;
  };
  const updateWith = (w: World, loadBalancers: Obj[]) => {
    const event = fixture(w, 'update-service.json');
    event.detail.requestParameters.loadBalancers = loadBalancers;
    event.detail.responseElements.service.loadBalancers = loadBalancers;
    return event;
  };

  it('several load balancers (NLB + ALB target groups): the first by ARN (the ALB), with a warning', async () => {
    const w = await world();
    const { lines } = await captureLogs(() =>
      send(w, createWith(w, [
        { targetGroupArn: w.lbs.targetGroups['demo-grpc'], containerName: 'web', containerPort: 50051 },
        { targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 },
      ])),
    );
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
    const warning = logged(lines, 'WARN', /several load balancers/);
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatchObject({ chosen: w.lbs.alb.arn, ignored: [w.lbs.nlb.arn] });
    expect(emf(lines, 'MultipleLoadBalancers')).toBe(1);
  });

  it('two target groups of the same load balancer: one load balancer, no warning', async () => {
    const w = await world();
    const { lines } = await captureLogs(() =>
      send(w, createWith(w, [
        { targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 },
        { targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 },
      ])),
    );
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
    expect(logged(lines, 'WARN', /several load balancers/)).toHaveLength(0);
  });

  it('a target group attached to no load balancer: no record, a warning, no retry', async () => {
    const w = await world();
    const { result, lines } = await captureLogs(() =>
      send(w, createWith(w, [{ targetGroupArn: w.lbs.targetGroups['demo-idle'], containerName: 'web', containerPort: 8080 }])),
    );
    expect(result).toMatchObject({ outcome: 'applied', changes: [] });
    expect(await zone(w)).toEqual([]);
    expect(logged(lines, 'WARN', /not resolved/)[0]).toMatchObject({ reason: 'target group is not attached to a load balancer' });
    expect(emf(lines, 'UnresolvedLoadBalancers')).toBe(1);
    expect(await w.registrar.store.get(DEMO, 'web')).toMatchObject({ noRecordReason: 'target group is not attached to a load balancer' });
  });

  it('UpdateService that removes every load balancer deletes the record', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    expect(await send(w, updateWith(w, []))).toMatchObject({
      outcome: 'applied',
      changes: ['DELETE CNAME web.svc.internal.', 'DELETE TXT _owner.web.svc.internal.'],
    });
    expect(await zone(w)).toEqual([]);
  });

  it('UpdateService whose load balancer is gone: the stale record is removed', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    await deleteLoadBalancer(w.lbs.alb2);
    await send(w, fixture(w, 'update-service.json'));
    expect(await zone(w)).toEqual([]);
  });

  it('a service name that is not a DNS label: one error line, nothing written', async () => {
    const w = await world();
    const { result, lines } = await captureLogs(() =>
      send(w, createWith(w, [{ targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 }], 'web_api')),
    );
    expect(result).toEqual({ outcome: 'ignored', reason: expect.stringMatching(/^invalid service name: .*"web_api" is not a host name label/) });
    expect(logged(lines, 'ERROR', /^Service name rejected, no record written: ECS service name "web_api" is not a host name label/)).toHaveLength(1);
    expect(emf(lines, 'InvalidServiceNames')).toBe(1);
    expect(guard().calls).toHaveLength(0);
  });

  it.each([
    ['64 characters: over the 63-octet label limit', ZONE, 'a'.repeat(64), /ECS service name "a{64}" is 64 characters; RFC 1035 section 2\.3\.4 allows labels of at most 63 octets/],
    ['63 characters in a 185-character zone: _owner.<service>.<zone> is over 255 octets', LONG_ZONE, 'a'.repeat(63),
      /LB ownership TXT name "_owner\.a{63}\.z.*" is 258 octets; RFC 1035 section 2\.3\.4 allows at most 255/],
  ])('a service name of %s: one error line naming the rule, a metric, no state, no call, no retry', async (_case, zoneName, service, rule) => {
    const w = zoneName === ZONE ? await world() : await longZoneWorld();
    const { result, lines } = await captureLogs(() =>
      send(w, createWith(w, [{ targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 }], service)),
    );
    expect(result).toEqual({ outcome: 'ignored', reason: expect.stringMatching(rule) });
    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: expect.stringMatching(rule), serviceName: service });
    expect(emf(lines, 'InvalidServiceNames')).toBe(1);
    expect(guard().calls).toHaveLength(0);
    expect(await w.registrar.store.get(DEMO, service)).toBeUndefined();
  });

  it('a 56-character service name in a 185-character zone fits: its CNAME and marker are written', async () => {
    const w = await longZoneWorld();
    const service = 'b'.repeat(56);
    const result = await send(w, createWith(w, [{ targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 }], service));
    expect(result).toMatchObject({ outcome: 'applied', name: `${service}.${LONG_ZONE}.` });
    expect((await zone(w)).map((r) => `${r.type} ${r.name}`)).toEqual([`TXT _owner.${service}.${LONG_ZONE}.`, `CNAME ${service}.${LONG_ZONE}.`]);
  });

  it('a service name with capitals: the record name is lower case', async () => {
    const w = await world();
    await send(w, createWith(w, [{ targetGroupArn: w.lbs.targetGroups['demo-web'], containerName: 'web', containerPort: 8080 }], 'Web-API'));
    expect((await zone(w)).map((r) => r.name)).toEqual(['_owner.web-api.svc.internal.', 'web-api.svc.internal.']);
  });

  it('a cluster outside ClusterArns: ignored', async () => {
    const w = await world({ CLUSTER_ARNS: 'arn:aws:ecs:us-east-1:123456789012:cluster/other' });
    expect(await send(w, fixture(w, 'create-service-alb.json'))).toEqual({ outcome: 'ignored', reason: 'cluster not in scope' });
    expect(guard().calls).toHaveLength(0);
  });

  it('ClusterArns given as names or ARNs both match', async () => {
    const w = await world({ CLUSTER_ARNS: 'demo' });
    expect(await send(w, fixture(w, 'create-service-nlb.json'))).toMatchObject({ outcome: 'applied' });
  });

  it('a malformed event: one error line, ignored (no retry)', async () => {
    const w = await world();
    const event = fixture(w, 'create-service-alb.json');
    delete event.detail.eventID;
    const { result, lines } = await captureLogs(() => send(w, event));
    expect(result).toEqual({ outcome: 'ignored', reason: 'invalid event' });
    expect(logged(lines, 'ERROR', /not a CloudTrail record/)).toHaveLength(1);
  });
});

describe('exactly once and in order', () => {
  it('a duplicate event (same eventID, new EventBridge id) makes no second Route 53 call', async () => {
    const w = await world();
    const event = fixture(w, 'create-service-alb.json');
    const first = await send(w, event);
    const again = await send(w, { ...event, id: 'another-delivery' });
    expect(again).toEqual(first);
    expect(changes()).toBe(1);
    expect(guard().count('ListResourceRecordSets')).toBe(2); // the first delivery's reads only
  });

  it('concurrent duplicates: one is processed, the other is refused while in progress or answered from the record', async () => {
    const w = await world();
    const event = fixture(w, 'create-service-alb.json');
    const results = await Promise.allSettled([send(w, event), send(w, event)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as Error).name).toBe('IdempotencyAlreadyInProgressError');
    }
    expect(changes()).toBe(1);
  });

  it('Create with an older eventTime after Delete changes nothing (tombstone)', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    await send(w, fixture(w, 'delete-service.json'));
    expect(changes()).toBe(2);
    // a second CloudTrail record of an earlier create (other eventID), arriving late
    const late = withDetail(fixture(w, 'create-service-alb.json'), { eventID: 'late-create', eventTime: '2025-11-20T10:00:00Z' });
    const { result, lines } = await captureLogs(() => send(w, late));
    expect(result).toMatchObject({ outcome: 'stale' });
    expect(logged(lines, 'INFO', /later event of this service was already applied/)).toHaveLength(1);
    expect(changes()).toBe(2);
    expect(await zone(w)).toEqual([]);
  });

  it('Delete delivered before the Create it follows: the Create changes nothing', async () => {
    const w = await world();
    await send(w, fixture(w, 'delete-service.json'));
    expect(await send(w, fixture(w, 'create-service-alb.json'))).toMatchObject({ outcome: 'stale' });
    expect(await send(w, fixture(w, 'update-service.json'))).toMatchObject({ outcome: 'stale' });
    expect(changes()).toBe(0);
    expect(await zone(w)).toEqual([]);
  });

  it('Update delivered before Create: the Update wins, the older Create is ignored', async () => {
    const w = await world();
    await send(w, fixture(w, 'update-service.json'));
    expect(await send(w, fixture(w, 'create-service-alb.json'))).toMatchObject({ outcome: 'stale' });
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb2.dnsName)]);
  });

  it('a service created again after its deletion (newer eventTime) gets its record back', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    await send(w, fixture(w, 'delete-service.json'));
    await send(w, withDetail(fixture(w, 'create-service-alb.json'), { eventID: 'recreate', eventTime: '2025-11-21T08:00:00Z' }));
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
    expect((await w.registrar.store.get(DEMO, 'web'))?.expiresAt).toBeUndefined();
  });

  it('Create and Delete handled concurrently (out of order): the zone ends with the newest state', async () => {
    const w = await world();
    for (let round = 0; round < 3; round++) {
      const suffix = `-${round}`;
      const create = withDetail(fixture(w, 'create-service-alb.json'), { eventID: `c${suffix}`, eventTime: `2025-11-2${round + 1}T09:00:00Z` });
      const del = withDetail(fixture(w, 'delete-service.json'), { eventID: `d${suffix}`, eventTime: `2025-11-2${round + 1}T09:00:05Z` });
      await Promise.all([send(w, del), send(w, create)]);
      expect(await zone(w)).toEqual([]);
    }
  });

  it('a throttled Route 53 throws (Lambda retries, then the on-failure destination); the retry applies it', async () => {
    const w = await world();
    guard().injectFault({ operation: 'ChangeResourceRecordSets', code: 'Throttling', times: 1000 });
    const event = fixture(w, 'create-service-alb.json');
    await expect(send(w, event, 2_000)).rejects.toThrow(/retried/);
    guard().clearFaults();
    expect(await zone(w)).toEqual([]);
    // Lambda's retry of the same event: the failed attempt left no idempotency record and the state replays
    expect(await send(w, event)).toMatchObject({ outcome: 'replayed' });
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
  });

  it('an on-failure destination record (requestPayload) can be replayed by invoking the function with it', async () => {
    const w = await world();
    const record = {
      version: '1.0',
      timestamp: '2025-11-20T09:20:00.000Z',
      requestContext: { requestId: 'r', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:lb-registrar:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: fixture(w, 'create-service-alb.json'),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'LbSyncFailedError' },
    };
    expect(await send(w, record)).toMatchObject({ outcome: 'applied', serviceName: 'web' });
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
  });
});

describe('naming rule with the task registrar: first come, first served, both ways', () => {
  async function webTask(w: World) {
    await pinEcsTasksRunning();
    const cluster = await createCluster('demo');
    const { tasks: [task] } = await runService({ vpc: w.vpc, clusterArn: cluster.clusterArn }, 'web', 1);
    return taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
  }

  it('task records first: the LB registrar reports a conflict and writes nothing', async () => {
    const w = await world();
    const tasks = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const running = await webTask(w);
    expect((await tasks.handler(sqsBatch([running]))).batchItemFailures).toEqual([]);
    resetClients();
    const before = await zone(w);
    expect(before.map((r) => `${r.type} ${r.name}`)).toEqual(expect.arrayContaining(['SRV web.svc.internal.', 'TXT web.svc.internal.']));
    guard().resetCalls();

    const { result, lines } = await captureLogs(() => send(w, fixture(w, 'create-service-alb.json')));
    expect(result).toMatchObject({ outcome: 'conflict', reason: expect.stringContaining('web.svc.internal.') });
    expect(logged(lines, 'ERROR', /owned by someone else/)).toHaveLength(1);
    expect(emf(lines, 'OwnershipConflicts')).toBe(1);
    expect(changes()).toBe(0);
    expect(await zone(w)).toEqual(before);
    // and deleting the service later does not touch the task records either
    await send(w, fixture(w, 'delete-service.json'));
    expect(await zone(w)).toEqual(before);
  });

  it('LB record first: the task registrar reports a conflict and writes nothing', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    const before = await zone(w);
    const tasks = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const running = await webTask(w);
    guard().resetCalls();
    const { result, lines } = await captureLogs(() => tasks.handler(sqsBatch([running])));
    expect(result.batchItemFailures).toEqual([]);
    expect(logged(lines, 'ERROR', /owned by someone else/)).toHaveLength(1);
    expect(emf(lines, 'OwnershipConflicts')).toBe(1);
    expect(changes()).toBe(0);
    expect(await zone(w)).toEqual(before);
  });

  it('the same service name in another cluster: the first service keeps the name', async () => {
    const w = await world();
    await send(w, fixture(w, 'create-service-alb.json'));
    const other = JSON.parse(
      JSON.stringify(withDetail(fixture(w, 'create-service-nlb.json'), { eventID: 'other-web' })).split('grpc').join('web').split('cluster/demo').join('cluster/other'),
    ) as Obj;
    other.detail.requestParameters.loadBalancers[0].targetGroupArn = w.lbs.targetGroups['demo-grpc'];
    other.detail.responseElements.service.loadBalancers[0].targetGroupArn = w.lbs.targetGroups['demo-grpc'];
    const { result, lines } = await captureLogs(() => send(w, other));
    expect(result).toMatchObject({ outcome: 'conflict', reason: expect.stringContaining(WEB_ARN) });
    expect(emf(lines, 'OwnershipConflicts')).toBe(1);
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
    // deleting the other cluster's service leaves the first one's record alone
    const del = JSON.parse(JSON.stringify(withDetail(fixture(w, 'delete-service.json'), { eventID: 'other-del' })).split('cluster/demo').join('cluster/other')) as Obj;
    del.detail.requestParameters.cluster = 'other';
    await send(w, del);
    expect(await zone(w)).toEqual([markerOf('web'), cnameTo('web', w.lbs.alb.dnsName)]);
  });

  it('a hand-made record at the name is never overwritten', async () => {
    const w = await world();
    const { Route53Client, ChangeResourceRecordSetsCommand } = await import('@aws-sdk/client-route-53');
    const client = new Route53Client({});
    await client.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: w.zoneId,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'web.svc.internal', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'legacy.example.com' }] } }] },
    }));
    client.destroy();
    guard().resetCalls();
    expect(await send(w, fixture(w, 'create-service-alb.json'))).toMatchObject({ outcome: 'conflict' });
    expect(changes()).toBe(0);
    expect(await zone(w)).toEqual([{ name: 'web.svc.internal.', type: 'CNAME', ttl: 300, values: ['legacy.example.com'] }]);
  });
});
