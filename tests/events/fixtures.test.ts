// Checks the sample events in events/: every file parses, is shaped as AWS delivers it, and the task state change
// samples agree with each other (one task's lifecycle, env naming, IP field casing). The shapes follow the AWS
// documentation's example "ECS Task State Change" event and CloudTrail records of the ECS API; see events/README.md.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../support/template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const EVENTS_DIR = join(ROOT, 'events');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DEMO_CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/; // EventBridge envelope `time`, CloudTrail `eventTime`
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/; // timestamps inside a task event's detail
const TASK_ARN = /^arn:aws:ecs:us-east-1:123456789012:task\/([A-Za-z0-9_-]+)\/([0-9a-f]{32})$/;
const CLUSTER_ARN = /^arn:aws:ecs:us-east-1:123456789012:cluster\/([A-Za-z0-9_-]+)$/;
const SERVICE_ARN = /^arn:aws:ecs:us-east-1:123456789012:service\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/;
const ENV_NAME = /^SERVICE_(\d+)_NAME$/;

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listJson(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

const files = listJson(EVENTS_DIR).map((path) => relative(EVENTS_DIR, path).split('\\').join('/')).sort();
const load = (rel: string): Obj => JSON.parse(readFileSync(join(EVENTS_DIR, rel), 'utf8')) as Obj;
const taskFiles = files.filter((f) => f.startsWith('task-state-change/'));
const trailFiles = files.filter((f) => f.startsWith('cloudtrail/'));
const envelopeFiles = [...taskFiles, ...trailFiles];
const wellFormedTaskFiles = taskFiles.filter((f) => f !== 'task-state-change/malformed-missing-detail.json');

const detailOf = (rel: string): Obj => load(rel).detail as Obj;
const attachmentIpv6 = (detail: Obj): string | undefined =>
  (detail.attachments as Obj[] | undefined)
    ?.flatMap((a) => a.details as Obj[])
    .find((d) => d.name === 'ipv6Address')?.value as string | undefined;
const attachmentIp = (detail: Obj): string | undefined =>
  (detail.attachments as Obj[] | undefined)
    ?.flatMap((a) => a.details as Obj[])
    .find((d) => d.name === 'privateIPv4Address')?.value as string | undefined;

describe('events/ layout', () => {
  it('holds every fixture the project relies on', () => {
    expect(files).toEqual(expect.arrayContaining([
      'task-state-change/awsvpc-fargate-running.json',
      'task-state-change/awsvpc-fargate-stopping.json',
      'task-state-change/awsvpc-fargate-stopped.json',
      'task-state-change/awsvpc-fargate-pending.json',
      'task-state-change/bridge-ec2-running.json',
      'task-state-change/awsvpc-health-check-unhealthy.json',
      'task-state-change/malformed-missing-detail.json',
      'task-state-change/other-cluster-running.json',
      'task-state-change/awsvpc-ipv6-only-running.json',
      'task-state-change/awsvpc-dual-stack-running.json',
      'task-state-change/bridge-ec2-running-no-bindings.json',
      'cloudtrail/create-service-alb.json',
      'cloudtrail/create-service-nlb.json',
      'cloudtrail/create-service-classic-elb.json',
      'cloudtrail/create-service-no-lb.json',
      'cloudtrail/update-service.json',
      'cloudtrail/delete-service.json',
      'cloudtrail/create-service-failed.json',
      'sqs/awsvpc-fargate-running.json',
    ]));
  });

  it('describes every file in events/README.md', () => {
    const readme = readFileSync(join(EVENTS_DIR, 'README.md'), 'utf8');
    for (const file of files) {
      const base = file.split('/').pop() as string;
      expect({ file, listed: readme.includes(`\`${base}\``) }).toEqual({ file, listed: true });
    }
  });

  it.each(files)('%s parses as JSON', (file) => {
    expect(() => load(file)).not.toThrow();
  });
});

describe.each(envelopeFiles)('EventBridge envelope of %s', (file) => {
  const event = load(file);

  it('has every envelope field AWS sends, with the account, Region and source of this project', () => {
    expect(Object.keys(event).sort()).toEqual(
      ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'].sort());
    expect(event.version).toBe('0');
    expect(event.id).toMatch(UUID);
    expect(event.source).toBe('aws.ecs');
    expect(event.account).toBe(ACCOUNT);
    expect(event.region).toBe(REGION);
    expect(event.time).toMatch(ISO_SECONDS);
    expect(Array.isArray(event.resources)).toBe(true);
    expect(typeof event.detail).toBe('object');
    expect(event.detail).not.toBeNull();
  });

  it('has the detail-type of its folder', () => {
    expect(event['detail-type']).toBe(
      file.startsWith('cloudtrail/') ? 'AWS API Call via CloudTrail' : 'ECS Task State Change');
  });
});

it('gives every event its own id', () => {
  const ids = envelopeFiles.map((f) => load(f).id as string);
  expect(new Set(ids).size).toBe(ids.length);
});

describe.each(wellFormedTaskFiles)('task state change %s', (file) => {
  const event = load(file);
  const detail = event.detail as Obj;

  it('names its task in resources and in every container, inside its cluster', () => {
    expect(event.resources).toEqual([detail.taskArn]);
    const [, taskCluster] = TASK_ARN.exec(detail.taskArn as string) ?? [];
    const [, cluster] = CLUSTER_ARN.exec(detail.clusterArn as string) ?? [];
    expect(taskCluster).toBeDefined();
    expect(taskCluster).toBe(cluster);
    for (const container of detail.containers as Obj[]) {
      expect(container.taskArn).toBe(detail.taskArn);
      expect(container.containerArn).toMatch(
        new RegExp(`^arn:aws:ecs:us-east-1:123456789012:container/${cluster}/${TASK_ARN.exec(detail.taskArn)?.[2]}/`));
    }
  });

  it('has the task fields the registrar reads, typed as in the event (not as in DescribeTasks)', () => {
    expect(Number.isInteger(detail.version)).toBe(true);
    expect(detail.version).toBeGreaterThan(0);
    expect(detail.group).toMatch(/^(service|family):[A-Za-z0-9_-]+$/);
    expect(['FARGATE', 'EC2']).toContain(detail.launchType);
    expect(detail.taskDefinitionArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task-definition\/[A-Za-z0-9_-]+:\d+$/);
    expect(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'])
      .toContain(detail.lastStatus);
    expect(['RUNNING', 'STOPPED']).toContain(detail.desiredStatus);
    // cpu/memory are strings and timestamps ISO strings in events (DescribeTasks gives epoch numbers)
    expect(typeof detail.cpu).toBe('string');
    for (const key of ['createdAt', 'connectivityAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt', 'stoppingAt',
      'executionStoppedAt', 'stoppedAt', 'updatedAt']) {
      if (key in detail) expect({ key, value: detail[key] }).toEqual({ key, value: expect.stringMatching(ISO_MILLIS) });
    }
  });

  it('has no task-level health (the event never carries it); container health uses the API values', () => {
    expect(detail).not.toHaveProperty('healthStatus');
    for (const container of detail.containers as Obj[]) {
      if ('healthStatus' in container) expect(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']).toContain(container.healthStatus);
    }
  });

  it('keeps env only in overrides.containerOverrides, named SERVICE_<port>_NAME, for containers of the task', () => {
    const names = (detail.containers as Obj[]).map((c) => c.name as string);
    for (const override of detail.overrides.containerOverrides as Obj[]) {
      expect(names).toContain(override.name);
      for (const variable of (override.environment ?? []) as Obj[]) {
        expect(Object.keys(variable).sort()).toEqual(['name', 'value']);
        expect(variable.name).toMatch(ENV_NAME);
        expect(variable.value).toMatch(/^[a-z0-9-]+$/);
      }
    }
    // nothing else in the event holds environment variables
    for (const container of detail.containers as Obj[]) expect(container).not.toHaveProperty('environment');
    expect(detail).not.toHaveProperty('environment');
  });

  if (detail.launchType === 'FARGATE') {
    it('spells the ENI address privateIPv4Address in attachments and privateIpv4Address in containers', () => {
      const attachments = detail.attachments as Obj[];
      expect(attachments.length).toBeGreaterThan(0);
      const eni = attachments.find((a) => a.type === 'eni') as Obj;
      // the event says "eni"; DescribeTasks says "ElasticNetworkInterface" for the same attachment
      expect(eni).toBeDefined();
      const detailNames = (eni.details as Obj[]).map((d) => d.name as string);
      expect(detailNames).not.toContain('privateIpv4Address');
      for (const container of detail.containers as Obj[]) {
        for (const nic of container.networkInterfaces as Obj[]) {
          expect(Object.keys(nic)).not.toContain('privateIPv4Address');
          expect(nic.attachmentId).toBe(eni.id);
          expect(nic.privateIpv4Address).toBe(attachmentIp(detail));
        }
      }
      expect(detail).not.toHaveProperty('containerInstanceArn');
    });
  }
});

describe('one awsvpc Fargate task through its lifecycle', () => {
  const order = ['pending', 'running', 'stopping', 'stopped'].map((s) => `task-state-change/awsvpc-fargate-${s}.json`);
  const details = order.map(detailOf);

  it('is one task, whose detail.version and time rise with each state change', () => {
    expect(new Set(details.map((d) => d.taskArn)).size).toBe(1);
    expect(details.map((d) => d.version)).toEqual([1, 3, 4, 6]);
    const times = order.map((f) => Date.parse(load(f).time as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const updated = details.map((d) => Date.parse(d.updatedAt as string));
    expect([...updated].sort((a, b) => a - b)).toEqual(updated);
  });

  it('moves PROVISIONING -> RUNNING -> (desired STOPPED) -> STOPPED, and the ENI PRECREATED -> ATTACHED -> DELETED', () => {
    expect(details.map((d) => [d.lastStatus, d.desiredStatus])).toEqual([
      ['PROVISIONING', 'RUNNING'], ['RUNNING', 'RUNNING'], ['RUNNING', 'STOPPED'], ['STOPPED', 'STOPPED']]);
    expect(details.map((d) => d.attachments[0].status)).toEqual(['PRECREATED', 'ATTACHED', 'ATTACHED', 'DELETED']);
  });

  it('has no address before it is running, then 10.0.1.23 in both places', () => {
    const [pending, running] = details;
    expect(attachmentIp(pending)).toBeUndefined();
    expect(pending.containers[0].networkInterfaces).toEqual([]);
    expect(attachmentIp(running)).toBe('10.0.1.23');
    expect(running.containers[0].networkInterfaces[0].privateIpv4Address).toBe('10.0.1.23');
  });

  it('says why and when it stops', () => {
    const [, , stopping, stopped] = details;
    expect(stopping).toMatchObject({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: expect.any(String) });
    expect(stopping).toHaveProperty('stoppingAt');
    expect(stopping).not.toHaveProperty('stoppedAt');
    expect(stopped).toMatchObject({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: expect.any(String) });
    expect(Date.parse(stopped.executionStoppedAt)).toBeLessThanOrEqual(Date.parse(stopped.stoppedAt));
    expect(stopped.containers[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 });
  });

  it('belongs to service web with the SERVICE_8080_NAME=web override throughout', () => {
    for (const d of details) {
      expect(d.group).toBe('service:web');
      expect(d.clusterArn).toBe(DEMO_CLUSTER);
      expect(d.overrides.containerOverrides).toEqual([
        { name: 'web', environment: [{ name: 'SERVICE_8080_NAME', value: 'web' }] }]);
    }
  });
});

describe('the other task state change fixtures', () => {
  it('bridge-ec2-running: EC2 task on a container instance, host port from networkBindings, no ENI', () => {
    const d = detailOf('task-state-change/bridge-ec2-running.json');
    expect(d).toMatchObject({ launchType: 'EC2', lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:api' });
    expect(d.containerInstanceArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:container-instance\/demo\/[0-9a-f]{32}$/);
    expect(attachmentIp(d)).toBeUndefined();
    expect((d.attachments as Obj[]).filter((a) => a.type === 'eni')).toEqual([]);
    const [container] = d.containers as Obj[];
    expect(container).not.toHaveProperty('networkInterfaces');
    expect(container.networkBindings).toEqual([{ bindIP: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' }]);
    // the override's port is the container port, not the host port
    const [variable] = d.overrides.containerOverrides[0].environment as Obj[];
    expect(variable).toEqual({ name: 'SERVICE_80_NAME', value: 'api' });
    expect(Number(ENV_NAME.exec(variable.name)?.[1])).toBe(container.networkBindings[0].containerPort);
  });

  it('awsvpc-health-check-unhealthy: running task of web whose containers report UNHEALTHY and UNKNOWN', () => {
    const d = detailOf('task-state-change/awsvpc-health-check-unhealthy.json');
    expect(d).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:web', clusterArn: DEMO_CLUSTER });
    expect((d.containers as Obj[]).map((c) => [c.name, c.healthStatus])).toEqual([['web', 'UNHEALTHY'], ['log-router', 'UNKNOWN']]);
    expect(attachmentIp(d)).toBe('10.0.2.45');
    expect(d.taskArn).not.toBe(detailOf('task-state-change/awsvpc-fargate-running.json').taskArn);
  });

  it('malformed-missing-detail: right detail-type and cluster, but no taskArn anywhere', () => {
    const event = load('task-state-change/malformed-missing-detail.json');
    expect(event['detail-type']).toBe('ECS Task State Change');
    expect(event.detail.clusterArn).toBe(DEMO_CLUSTER);
    expect(event.detail).not.toHaveProperty('taskArn');
    expect(event.resources).toEqual([]);
    expect(JSON.stringify(event)).not.toMatch(/:task\//);
  });

  it('other-cluster-running: running task of cluster other', () => {
    const d = detailOf('task-state-change/other-cluster-running.json');
    expect(d.clusterArn).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`);
    expect(d.taskArn).toMatch(/:task\/other\//);
    expect(d).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
  });

  it('awsvpc-ipv6-only-running: the ENI and the container carry ipv6Address only, no IPv4 anywhere', () => {
    const d = detailOf('task-state-change/awsvpc-ipv6-only-running.json');
    expect(d).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:web', launchType: 'FARGATE' });
    expect(attachmentIp(d)).toBeUndefined();
    expect(JSON.stringify(d)).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    const v6 = attachmentIpv6(d);
    expect(v6).toMatch(/^[0-9a-f:]+$/);
    expect(d.containers[0].networkInterfaces).toEqual([{ attachmentId: d.attachments[0].id, ipv6Address: v6 }]);
  });

  it('awsvpc-dual-stack-running: both addresses, the same in the attachment and the container', () => {
    const d = detailOf('task-state-change/awsvpc-dual-stack-running.json');
    expect(d).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', group: 'service:web' });
    expect(d.containers[0].networkInterfaces).toEqual([
      { attachmentId: d.attachments[0].id, privateIpv4Address: attachmentIp(d), ipv6Address: attachmentIpv6(d) }]);
    expect(attachmentIp(d)).toBe('10.0.1.88');
  });

  it('bridge-ec2-running-no-bindings: the bridge task RUNNING before ECS filled in networkBindings', () => {
    const d = detailOf('task-state-change/bridge-ec2-running-no-bindings.json');
    const bound = detailOf('task-state-change/bridge-ec2-running.json');
    expect(d).toMatchObject({ launchType: 'EC2', lastStatus: 'RUNNING', group: 'service:api', containerInstanceArn: bound.containerInstanceArn });
    expect(d.taskArn).not.toBe(bound.taskArn);
    expect(d.containers[0]).not.toHaveProperty('networkBindings');
    expect(d.overrides).toEqual(bound.overrides);
  });

  it('gives each task its own address', () => {
    const byTask = new Map<string, string | undefined>();
    for (const f of wellFormedTaskFiles) {
      const d = detailOf(f);
      const ip = attachmentIp(d);
      if (ip) byTask.set(d.taskArn as string, ip);
    }
    expect(new Set(byTask.values()).size).toBe(byTask.size);
  });
});

describe.each(trailFiles)('CloudTrail record %s', (file) => {
  const event = load(file);
  const detail = event.detail as Obj;

  it('is an ECS API call record, as EventBridge forwards it', () => {
    expect(event.resources).toEqual([]);
    expect(detail).toMatchObject({
      eventSource: 'ecs.amazonaws.com',
      awsRegion: REGION,
      eventType: 'AwsApiCall',
      recipientAccountId: ACCOUNT,
      readOnly: false,
    });
    expect(['CreateService', 'UpdateService', 'DeleteService']).toContain(detail.eventName);
    expect(detail.eventTime).toBe(event.time);
    expect(detail.eventID).toMatch(UUID);
    expect(detail.requestID).toMatch(UUID);
    expect(detail.userIdentity).toMatchObject({ type: expect.any(String), arn: expect.any(String), accountId: ACCOUNT });
    expect(typeof detail.requestParameters).toBe('object');
    expect(detail).toHaveProperty('responseElements');
  });

  if (detail.errorCode !== undefined) {
    it('is a failed call: error code and message, responseElements null', () => {
      expect(detail.errorCode).toBe('InvalidParameterException');
      expect(typeof detail.errorMessage).toBe('string');
      expect(detail.responseElements).toBeNull();
    });
    return;
  }

  it('returns the service as the API does, consistent with the request', () => {
    expect(detail).not.toHaveProperty('errorMessage');
    const service = detail.responseElements.service as Obj;
    for (const key of ['serviceName', 'serviceArn', 'clusterArn', 'loadBalancers', 'status']) expect(service).toHaveProperty(key);
    const [, svcCluster, svcName] = SERVICE_ARN.exec(service.serviceArn as string) ?? [];
    const [, cluster] = CLUSTER_ARN.exec(service.clusterArn as string) ?? [];
    expect(svcName).toBe(service.serviceName);
    expect(svcCluster).toBe(cluster);

    // the request names the cluster by name, by ARN, or not at all (the default cluster)
    const requested = detail.requestParameters.cluster as string | undefined;
    if (requested === undefined) expect(cluster).toBe('default');
    else if (requested.startsWith('arn:')) expect(requested).toBe(service.clusterArn);
    else expect(requested).toBe(cluster);

    // CreateService names the service serviceName; Update/DeleteService name it service (a name or an ARN)
    if (detail.eventName === 'CreateService') {
      expect(detail.requestParameters.serviceName).toBe(service.serviceName);
      expect(detail.requestParameters).not.toHaveProperty('service');
    } else {
      const ref = detail.requestParameters.service as string;
      expect([service.serviceName, service.serviceArn]).toContain(ref);
      expect(detail.requestParameters).not.toHaveProperty('serviceName');
    }
    if (detail.requestParameters.loadBalancers) expect(service.loadBalancers).toEqual(detail.requestParameters.loadBalancers);
    expect(service.status).toBe(detail.eventName === 'DeleteService' ? 'DRAINING' : 'ACTIVE');
    // CloudTrail renders dates inside responseElements as text such as "Nov 20, 2025, 9:13:52 AM"
    expect(service.createdAt).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  });

  it('uses the load balancer fields of its kind', () => {
    const lbs = detail.responseElements.service.loadBalancers as Obj[];
    for (const lb of lbs) {
      expect(typeof lb.containerName).toBe('string');
      expect(Number.isInteger(lb.containerPort)).toBe(true);
      // ALB/NLB: targetGroupArn (no loadBalancerName); Classic ELB: loadBalancerName (no targetGroupArn)
      expect(('targetGroupArn' in lb) !== ('loadBalancerName' in lb)).toBe(true);
      if (lb.targetGroupArn) expect(lb.targetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]{16}$/);
    }
  });
});

describe('CloudTrail fixtures cover the cases the load balancer registrar must handle', () => {
  const request = (f: string): Obj => detailOf(`cloudtrail/${f}.json`).requestParameters as Obj;
  const response = (f: string): Obj | null => detailOf(`cloudtrail/${f}.json`).responseElements as Obj | null;

  it('ALB by cluster name, NLB by cluster ARN, Classic ELB by name, no load balancer in the default cluster', () => {
    expect(request('create-service-alb').cluster).toBe('demo');
    expect(response('create-service-alb')?.service.loadBalancers[0]).toHaveProperty('targetGroupArn');
    expect(request('create-service-nlb').cluster).toBe(DEMO_CLUSTER);
    expect(response('create-service-nlb')?.service.loadBalancers[0]).toHaveProperty('targetGroupArn');
    expect(response('create-service-classic-elb')?.service.loadBalancers[0]).toEqual(
      { loadBalancerName: 'demo-api', containerName: 'api', containerPort: 80 });
    expect(request('create-service-no-lb')).not.toHaveProperty('cluster');
    expect(request('create-service-no-lb')).not.toHaveProperty('loadBalancers');
    expect(response('create-service-no-lb')?.service.loadBalancers).toEqual([]);
  });

  it('UpdateService by ARN with new load balancers, DeleteService by name, a failed CreateService', () => {
    expect(request('update-service').service).toMatch(SERVICE_ARN);
    expect(request('update-service').loadBalancers).not.toEqual(request('create-service-alb').loadBalancers);
    expect(request('delete-service')).toMatchObject({ service: 'web', cluster: 'demo' });
    expect(response('create-service-failed')).toBeNull();
  });
});

describe('sqs/awsvpc-fargate-running.json', () => {
  const event = load('sqs/awsvpc-fargate-running.json');

  it('is one SQS record whose body is the running task event, as Lambda receives it from the queue', () => {
    expect(Object.keys(event)).toEqual(['Records']);
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records as Obj[];
    expect(record).toMatchObject({
      messageId: expect.stringMatching(UUID),
      receiptHandle: expect.any(String),
      body: expect.any(String),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:123456789012:[A-Za-z0-9_-]+$/),
      awsRegion: REGION,
    });
    expect(typeof record.body).toBe('string');
    expect(JSON.parse(record.body as string)).toEqual(load('task-state-change/awsvpc-fargate-running.json'));
    expect(record.md5OfBody).toBe(createHash('md5').update(record.body as string, 'utf8').digest('hex'));
    // sent after the event happened, received after it was sent
    const sent = Number(record.attributes.SentTimestamp);
    expect(sent).toBeGreaterThanOrEqual(Date.parse(JSON.parse(record.body).time as string));
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(sent);
  });
});
