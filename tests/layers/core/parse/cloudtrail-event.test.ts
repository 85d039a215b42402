import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterArnOf,
  InvalidEventError,
  parseCloudTrailServiceEvent,
  parseServiceReference,
  serviceArnOf,
  type ServiceChangeEvent,
} from '@ecs-sd/core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const fixture = (name: string): Obj =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'events', 'cloudtrail', name), 'utf8')) as Obj;
const change = (raw: unknown): ServiceChangeEvent => {
  const parsed = parseCloudTrailServiceEvent(raw);
  if (parsed.kind !== 'change') throw new Error(`expected a change, got ${parsed.kind}`);
  return parsed.event;
};
const DEMO = 'arn:aws:ecs:us-east-1:123456789012:cluster/demo';

describe('parseCloudTrailServiceEvent on the fixtures', () => {
  it('CreateService, ALB, cluster by name: name and load balancer from responseElements.service', () => {
    expect(change(fixture('create-service-alb.json'))).toEqual({
      eventId: 'e0b5c7d9-1f3a-4c6e-8a0b-2d4f6e8a0c13',
      eventName: 'CreateService',
      eventTime: '2025-11-20T09:13:52.000Z',
      eventTimeMs: Date.parse('2025-11-20T09:13:52Z'),
      clusterArn: DEMO,
      serviceName: 'web',
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/web',
      loadBalancers: [
        {
          kind: 'target-group',
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/6d0ecf831eec9f09',
          containerName: 'web',
          containerPort: 8080,
        },
      ],
      loadBalancersFrom: 'response',
    });
  });

  it('CreateService, NLB, cluster as an ARN', () => {
    const event = change(fixture('create-service-nlb.json'));
    expect(event).toMatchObject({ serviceName: 'grpc', clusterArn: DEMO, eventName: 'CreateService' });
    expect(event.loadBalancers).toEqual([expect.objectContaining({ kind: 'target-group', containerPort: 50051 })]);
  });

  it('CreateService, Classic ELB by name', () => {
    const event = change(fixture('create-service-classic-elb.json'));
    expect(event).toMatchObject({ serviceName: 'api', clusterArn: DEMO });
    expect(event.loadBalancers).toEqual([
      { kind: 'classic', loadBalancerName: 'demo-api', containerName: 'api', containerPort: 80 },
    ]);
  });

  it('CreateService without load balancers and without cluster: the default cluster, no load balancers', () => {
    const event = change(fixture('create-service-no-lb.json'));
    expect(event).toMatchObject({
      serviceName: 'batch',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
      loadBalancers: [],
      loadBalancersFrom: 'response',
    });
  });

  it('UpdateService with requestParameters.service as an ARN: the load balancers after the update', () => {
    const event = change(fixture('update-service.json'));
    expect(event).toMatchObject({ eventName: 'UpdateService', serviceName: 'web', clusterArn: DEMO });
    expect(event.loadBalancers).toEqual([
      expect.objectContaining({
        targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web-v2/a1b2c3d4e5f60718',
      }),
    ]);
  });

  it('DeleteService by name', () => {
    expect(change(fixture('delete-service.json'))).toMatchObject({
      eventName: 'DeleteService',
      serviceName: 'web',
      clusterArn: DEMO,
      eventId: '7b9d1f3a-5c7e-4a9b-8d1f-3a5c7e9b1d40',
    });
  });

  it('a failed call (errorCode, responseElements null) is a failed-call, never a change', () => {
    expect(parseCloudTrailServiceEvent(fixture('create-service-failed.json'))).toEqual({
      kind: 'failed-call',
      call: {
        eventId: '6f8a0c2e-4b6d-4f8a-a0c2-e4b6d8f0a2c5',
        eventName: 'CreateService',
        eventTime: '2025-11-20T09:50:41.000Z',
        errorCode: 'InvalidParameterException',
        errorMessage: expect.stringContaining('does not have an associated load balancer'),
        serviceName: 'admin',
        cluster: 'demo',
      },
    });
  });
});

describe('parseCloudTrailServiceEvent without responseElements (request parameters only)', () => {
  const withoutResponse = (name: string, change_: (e: Obj) => void = () => undefined): Obj => {
    const event = fixture(name);
    event.detail.responseElements = null;
    change_(event);
    return event;
  };

  it('CreateService: name, cluster (name -> ARN) and load balancers from the request', () => {
    expect(change(withoutResponse('create-service-alb.json'))).toMatchObject({
      serviceName: 'web',
      clusterArn: DEMO,
      loadBalancersFrom: 'request',
      loadBalancers: [expect.objectContaining({ kind: 'target-group' })],
    });
  });

  it('CreateService with neither cluster nor load balancers: default cluster, none', () => {
    expect(change(withoutResponse('create-service-no-lb.json'))).toMatchObject({
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
      loadBalancers: [],
    });
  });

  it('UpdateService by ARN and no cluster: the cluster comes from the service ARN; no loadBalancers = unknown', () => {
    const event = change(
      withoutResponse('update-service.json', (e) => {
        delete e.detail.requestParameters.cluster;
        delete e.detail.requestParameters.loadBalancers;
      }),
    );
    expect(event).toMatchObject({ serviceName: 'web', clusterArn: DEMO, loadBalancersFrom: 'unknown' });
    expect(event.loadBalancers).toBeUndefined();
  });

  it('UpdateService with loadBalancers: [] removes them', () => {
    const event = change(withoutResponse('update-service.json', (e) => (e.detail.requestParameters.loadBalancers = [])));
    expect(event.loadBalancers).toEqual([]);
  });

  it('DeleteService by name without cluster: the default cluster', () => {
    const event = change(withoutResponse('delete-service.json', (e) => delete e.detail.requestParameters.cluster));
    expect(event.clusterArn).toBe('arn:aws:ecs:us-east-1:123456789012:cluster/default');
  });
});

describe('parseCloudTrailServiceEvent rejects what it cannot use', () => {
  const cases: Array<[string, (e: Obj) => void]> = [
    ['another detail-type', (e) => (e['detail-type'] = 'ECS Task State Change')],
    ['another event source', (e) => (e.detail.eventSource = 'elasticloadbalancing.amazonaws.com')],
    ['another call', (e) => (e.detail.eventName = 'TagResource')],
    ['no eventID', (e) => delete e.detail.eventID],
    ['a bad eventTime', (e) => (e.detail.eventTime = 'yesterday')],
    ['a load balancer entry with neither targetGroupArn nor loadBalancerName', (e) => (e.detail.responseElements.service.loadBalancers = [{ containerName: 'web' }])],
    ['no service name anywhere', (e) => {
      delete e.detail.requestParameters.serviceName;
      delete e.detail.responseElements.service.serviceName;
      delete e.detail.responseElements.service.serviceArn;
    }],
    ['no detail', (e) => delete e.detail],
  ];
  it.each(cases)('%s -> InvalidEventError with the reason', (_title, mutate) => {
    const event = fixture('create-service-alb.json');
    mutate(event);
    expect(() => parseCloudTrailServiceEvent(event)).toThrow(InvalidEventError);
    try {
      parseCloudTrailServiceEvent(event);
    } catch (error) {
      expect((error as InvalidEventError).issues.length).toBeGreaterThan(0);
    }
  });

  it('non-objects', () => {
    for (const raw of [null, 'text', 42, []]) expect(() => parseCloudTrailServiceEvent(raw)).toThrow(InvalidEventError);
  });
});

describe('names and ARNs', () => {
  it('clusterArnOf: ARN kept, name -> ARN in the partition of the Region, absent -> default', () => {
    expect(clusterArnOf(DEMO, 'us-east-1', '123456789012')).toBe(DEMO);
    expect(clusterArnOf('demo', 'us-east-1', '123456789012')).toBe(DEMO);
    expect(clusterArnOf(undefined, 'eu-west-1', '123456789012')).toBe('arn:aws:ecs:eu-west-1:123456789012:cluster/default');
    expect(clusterArnOf('x', 'cn-north-1', '123456789012')).toBe('arn:aws-cn:ecs:cn-north-1:123456789012:cluster/x');
    expect(clusterArnOf('', 'us-gov-west-1', '123456789012')).toBe('arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/default');
  });

  it('parseServiceReference: name, old and new ARN formats', () => {
    expect(parseServiceReference('web')).toEqual({ serviceName: 'web' });
    expect(parseServiceReference('arn:aws:ecs:us-east-1:123456789012:service/web')).toEqual({ serviceName: 'web', clusterName: undefined });
    expect(parseServiceReference('arn:aws:ecs:us-east-1:123456789012:service/demo/web')).toEqual({ serviceName: 'web', clusterName: 'demo' });
  });

  it('serviceArnOf builds the long ARN format', () => {
    expect(serviceArnOf(DEMO, 'web')).toBe('arn:aws:ecs:us-east-1:123456789012:service/demo/web');
    expect(() => serviceArnOf('demo', 'web')).toThrow();
  });
});
