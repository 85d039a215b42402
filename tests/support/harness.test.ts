// Proves the test harness itself: moto is up, the Route 53 guard enforces what moto lacks (through the real SDK),
// faults reach the SDK with the right error names, and the ECS scenario helpers build usable state.
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { DescribeContainerInstancesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { httpCall, motoUrl, pinEcsTasksRunning, resetMoto } from './moto';
import { parseChangeBatch, startRoute53Guard, type Route53Guard } from './route53-guard';
import {
  createCluster,
  createHostedZone,
  createVpc,
  describeTasks,
  listRecords,
  registerEc2ContainerInstance,
  registerTaskDefinition,
  runAwsvpcTasks,
  runBridgeTasks,
  taskStateChangeEvent,
} from './ecs-scenario';

const ZONE = 'harness.internal';

let guard: Route53Guard;
let route53: Route53Client;
let zoneId: string;

const rrs = (name: string, type: ResourceRecordSet['Type'], values: string[], extra: Partial<ResourceRecordSet> = {}) => ({
  Name: name,
  Type: type,
  TTL: 60,
  ResourceRecords: values.map((Value) => ({ Value })),
  ...extra,
});
const change = (Action: Change['Action'], set: ResourceRecordSet): Change => ({ Action, ResourceRecordSet: set });
const send = (changes: Change[], client = route53) =>
  client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to be rejected');
}

async function expectInvalidChangeBatch(changes: Change[], message: string | RegExp): Promise<void> {
  const err = await rejection(send(changes));
  expect(err.name).toBe('InvalidChangeBatch');
  expect(err.message).toMatch(message);
  expect((err.$metadata as { httpStatusCode?: number }).httpStatusCode).toBe(400);
}

const ips = (count: number, offset = 0) =>
  Array.from({ length: count }, (_, i) => `10.${(i + offset) >> 16 & 255}.${(i + offset) >> 8 & 255}.${(i + offset) & 255}`);

beforeAll(async () => {
  guard = await startRoute53Guard({ upstream: motoUrl() });
  route53 = new Route53Client({ endpoint: guard.url, maxAttempts: 1 });
});

afterAll(async () => {
  route53?.destroy();
  await guard?.close();
});

beforeEach(async () => {
  await resetMoto();
  zoneId = await createHostedZone(ZONE);
  guard.resetCalls();
  guard.clearFaults();
  guard.invalidChangeBatchForm = 'ErrorResponse';
});

describe('environment', () => {
  it('reaches the shared moto_server and points every SDK client at it', async () => {
    const res = await httpCall(`${motoUrl()}/moto-api/`);
    expect(res.status).toBe(200);
    for (const service of ['ECS', 'EC2', 'DYNAMODB', 'ELASTIC_LOAD_BALANCING', 'ELASTIC_LOAD_BALANCING_V2', 'SQS', 'EVENTBRIDGE', 'ROUTE_53']) {
      expect(process.env[`AWS_ENDPOINT_URL_${service}`]).toBe(motoUrl());
    }
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(process.env.AWS_SDK_LOAD_CONFIG).toBeUndefined();
    // the default client (no endpoint given) talks to moto
    const direct = new Route53Client({});
    const zone = await direct.send(new GetHostedZoneCommand({ Id: zoneId }));
    direct.destroy();
    expect(zone.HostedZone?.Name).toBe(`${ZONE}.`);
  });

  it('resetMoto clears state', async () => {
    await resetMoto();
    const err = await rejection(route53.send(new GetHostedZoneCommand({ Id: zoneId })));
    expect(err.name).toBe('NoSuchHostedZone');
  });
});

describe('route53 guard: rules moto lacks', () => {
  it('a. rejects two changes to one record set in a batch; distinct sets and DELETE-then-CREATE pass', async () => {
    await expectInvalidChangeBatch(
      [change('UPSERT', rrs(`a.${ZONE}`, 'A', ['10.0.0.1'])), change('UPSERT', rrs(`A.${ZONE.toUpperCase()}.`, 'A', ['10.0.0.2']))],
      `The request contains an invalid set of changes for a resource record set 'A a.${ZONE}.'`,
    );
    const multi = { SetIdentifier: 'one', MultiValueAnswer: true };
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(`s.${ZONE}`, 'SRV', ['1 1 80 a.x.'], multi)), change('DELETE', rrs(`s.${ZONE}`, 'SRV', ['1 1 80 a.x.'], multi))],
      /invalid set of changes/,
    );
    expect(await listRecords(zoneId)).toEqual([]);

    await send([change('UPSERT', rrs(`a.${ZONE}`, 'A', ['10.0.0.1'])), change('UPSERT', rrs(`b.${ZONE}`, 'A', ['10.0.0.2']))]);
    await send([
      change('CREATE', rrs(`s.${ZONE}`, 'SRV', ['1 1 80 a.x.'], multi)),
      change('CREATE', rrs(`s.${ZONE}`, 'SRV', ['1 1 81 b.x.'], { ...multi, SetIdentifier: 'two' })),
    ]);
    await send([change('DELETE', rrs(`a.${ZONE}`, 'A', ['10.0.0.1'])), change('CREATE', rrs(`a.${ZONE}`, 'A', ['10.0.0.9']))]);
    expect(await listRecords(zoneId)).toEqual([
      { name: `a.${ZONE}.`, type: 'A', ttl: 60, values: ['10.0.0.9'] },
      { name: `b.${ZONE}.`, type: 'A', ttl: 60, values: ['10.0.0.2'] },
      { name: `s.${ZONE}.`, type: 'SRV', ttl: 60, values: ['1 1 80 a.x.'], setIdentifier: 'one', multiValueAnswer: true },
      { name: `s.${ZONE}.`, type: 'SRV', ttl: 60, values: ['1 1 81 b.x.'], setIdentifier: 'two', multiValueAnswer: true },
    ]);
  });

  it('b. rejects a CNAME beside another type, judged on the state after the batch', async () => {
    await send([change('CREATE', rrs(`www.${ZONE}`, 'A', ['10.0.0.1']))]);
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(`www.${ZONE}`, 'CNAME', ['elsewhere.example.com']))],
      `RRSet of type CNAME with DNS name www.${ZONE}. is not permitted as it conflicts with other records with the same DNS name in zone ${ZONE}.`,
    );
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(`new.${ZONE}`, 'CNAME', ['x.example.com'])), change('CREATE', rrs(`new.${ZONE}`, 'TXT', ['"t"']))],
      /RRSet of type CNAME with DNS name new\.harness\.internal\. is not permitted/,
    );
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(ZONE, 'CNAME', ['x.example.com']))],
      `RRSet of type CNAME with DNS name ${ZONE}. is not permitted at apex in zone ${ZONE}.`,
    );
    await send([change('CREATE', rrs(`alias.${ZONE}`, 'CNAME', ['x.example.com']))]);
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(`alias.${ZONE}`, 'TXT', ['"t"']))],
      `RRSet of type TXT with DNS name alias.${ZONE}. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${ZONE}.`,
    );
    // the same CNAME passes once the A record goes in the same batch
    await send([
      change('DELETE', rrs(`www.${ZONE}`, 'A', ['10.0.0.1'])),
      change('CREATE', rrs(`www.${ZONE}`, 'CNAME', ['elsewhere.example.com'])),
    ]);
    expect((await listRecords(zoneId)).map((r) => `${r.name} ${r.type}`)).toEqual([
      `alias.${ZONE}. CNAME`,
      `www.${ZONE}. CNAME`,
    ]);
  });

  it('c. enforces 32,000 value characters and 1,000 records per request, UPSERT counted twice', async () => {
    const txt = (count: number) => Array.from({ length: count }, (_, i) => `"${String(i).padStart(3, '0')}${'x'.repeat(245)}"`); // 250 chars
    await expectInvalidChangeBatch([change('CREATE', rrs(`t.${ZONE}`, 'TXT', txt(129)))], 'RDATA character limit of 32000 exceeded.');
    await send([change('CREATE', rrs(`t.${ZONE}`, 'TXT', txt(128)))]); // 32,000 exactly
    await expectInvalidChangeBatch([change('UPSERT', rrs(`u.${ZONE}`, 'TXT', txt(65)))], 'RDATA character limit of 32000 exceeded.');
    await send([change('CREATE', rrs(`u.${ZONE}`, 'TXT', txt(65)))]);

    const upserts = [0, 1, 2].map((i) => change('UPSERT', rrs(`r${i}.${ZONE}`, 'A', ips(167, i * 1000))));
    await expectInvalidChangeBatch(upserts, 'Number of records limit of 1000 exceeded.'); // 501 values x 2
    await send(upserts.map((c) => ({ ...c, Action: 'CREATE' as const }))); // 501
    expect((await listRecords(zoneId)).find((r) => r.name === `r2.${ZONE}.`)?.values).toHaveLength(167);
  });

  it('d. rejects more than 400 values in one record set', async () => {
    await expectInvalidChangeBatch([change('CREATE', rrs(`big.${ZONE}`, 'A', ips(401)))], 'Cannot have more than 400 records in a RRSet.');
    await send([change('CREATE', rrs(`big.${ZONE}`, 'A', ips(400)))]);
  });

  it('f. rejects a label over 63 octets and a name over 255 octets (253 characters); the limits themselves pass', async () => {
    /** a name of `chars` characters without the trailing dot, ending in the zone, in labels of at most 63 */
    const nameOf = (chars: number): string => {
      const labels: string[] = [];
      for (let left = chars - ZONE.length - 1; left > 0; ) {
        const n = left === 64 ? 62 : Math.min(63, left); // never leave a single dot over (an empty label)
        labels.push('x'.repeat(n));
        left -= n + 1;
      }
      return [...labels, ZONE].join('.');
    };
    expect([nameOf(253).length, nameOf(254).length]).toEqual([253, 254]);
    await expectInvalidChangeBatch(
      [change('CREATE', rrs(`${'a'.repeat(64)}.${ZONE}`, 'A', ['10.0.0.1']))],
      `FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '${'a'.repeat(64)}'`,
    );
    await expectInvalidChangeBatch([change('CREATE', rrs(nameOf(254), 'TXT', ['"x"']))], /DomainNameTooLong/);
    await send([change('CREATE', rrs(`${'a'.repeat(63)}.${ZONE}`, 'A', ['10.0.0.1'])), change('CREATE', rrs(`${nameOf(253)}.`, 'TXT', ['"x"']))]);
    expect((await listRecords(zoneId)).map((r) => r.name.length)).toEqual(expect.arrayContaining([63 + ZONE.length + 2, 254]));
  });

  it('e. answers DELETE mismatches like Route 53 and keeps CREATE-of-existing as InvalidChangeBatch', async () => {
    await send([change('CREATE', rrs(`x.${ZONE}`, 'A', ['10.0.0.1', '10.0.0.2']))]);
    await expectInvalidChangeBatch(
      [change('DELETE', rrs(`x.${ZONE}`, 'A', ['10.0.0.1']))],
      `Tried to delete resource record set [name='x.${ZONE}.', type='A'] but the values provided do not match the current values`,
    );
    await expectInvalidChangeBatch(
      [change('DELETE', { ...rrs(`x.${ZONE}`, 'A', ['10.0.0.1', '10.0.0.2']), TTL: 300 })],
      /values provided do not match the current values/,
    );
    await expectInvalidChangeBatch(
      [change('DELETE', rrs(`missing.${ZONE}`, 'A', ['10.0.0.1']))],
      `Tried to delete resource record set [name='missing.${ZONE}.', type='A'] but it was not found`,
    );
    await expectInvalidChangeBatch([change('CREATE', rrs(`x.${ZONE}`, 'A', ['10.0.0.1', '10.0.0.2']))], /already exists/);
    await expectInvalidChangeBatch([change('CREATE', rrs(`x.${ZONE}`, 'A', ['10.9.9.9']))], /already exists/); // moto misses this one

    // exact DELETE passes, in any value order; stale values after an UPSERT do not
    await send([change('DELETE', rrs(`x.${ZONE}`, 'A', ['10.0.0.2', '10.0.0.1']))]);
    await send([change('CREATE', rrs(`y.${ZONE}`, 'A', ['10.0.0.1']))]);
    await send([change('UPSERT', rrs(`y.${ZONE}`, 'A', ['10.0.0.5']))]);
    await expectInvalidChangeBatch([change('DELETE', rrs(`y.${ZONE}`, 'A', ['10.0.0.1']))], /do not match/);
    expect(await listRecords(zoneId)).toEqual([{ name: `y.${ZONE}.`, type: 'A', ttl: 60, values: ['10.0.0.5'] }]);
  });

  it('deletes one SetIdentifier set without touching others that share the identifier (moto would)', async () => {
    const id = (setId: string) => ({ SetIdentifier: setId, MultiValueAnswer: true });
    await send([
      change('CREATE', rrs(`_web._tcp.${ZONE}`, 'SRV', ['1 1 80 t1.x.'], id('task-1'))),
      change('CREATE', rrs(`_web._tcp.${ZONE}`, 'SRV', ['1 1 80 t2.x.'], id('task-2'))),
      change('CREATE', rrs(`web.${ZONE}`, 'A', ['10.0.0.1'], id('task-1'))),
    ]);
    await send([change('DELETE', rrs(`_web._tcp.${ZONE}`, 'SRV', ['1 1 80 t1.x.'], id('task-1')))]);
    expect((await listRecords(zoneId)).map((r) => `${r.name} ${r.type} ${r.setIdentifier}`)).toEqual([
      `_web._tcp.${ZONE}. SRV task-2`,
      `web.${ZONE}. A task-1`,
    ]);
  });

  it('offers the <InvalidChangeBatch> body form, which SDK v3 cannot name', async () => {
    guard.invalidChangeBatchForm = 'InvalidChangeBatch';
    const err = await rejection(send([change('DELETE', rrs(`gone.${ZONE}`, 'A', ['10.0.0.1']))]));
    expect(['Unknown', 'InvalidChangeBatch']).toContain(err.name);
    expect(JSON.stringify(err.Messages ?? err.message)).toContain('but it was not found');
  });

  it('pages ListResourceRecordSets like Route 53 (NextRecordIdentifier), where moto repeats sets', async () => {
    const sets = Array.from({ length: 5 }, (_, i) =>
      change('CREATE', rrs(`_api._tcp.${ZONE}`, 'SRV', [`1 1 ${8000 + i} t${i}.x.`], { SetIdentifier: `t${i}`, MultiValueAnswer: true })),
    );
    await send(sets);
    const seen: string[] = [];
    let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = {};
    for (let page = 0; page < 10; page++) {
      const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 2, ...start }));
      seen.push(...(out.ResourceRecordSets ?? []).map((s) => `${s.Type} ${s.SetIdentifier ?? ''}`));
      if (!out.IsTruncated) break;
      start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, StartRecordIdentifier: out.NextRecordIdentifier };
    }
    expect(seen).toEqual(['NS ', 'SOA ', 'SRV t0', 'SRV t1', 'SRV t2', 'SRV t3', 'SRV t4']);
    expect(await listRecords(zoneId, { endpoint: guard.url })).toEqual(await listRecords(zoneId));
    expect(guard.count('ListResourceRecordSets')).toBeGreaterThanOrEqual(4);
    expect(guard.calls.every((c) => c.hostedZoneId === undefined || c.hostedZoneId === zoneId)).toBe(true);
  });
});

describe('route53 guard: fault injection', () => {
  it('answers with Throttling and PriorRequestNotComplete as the SDK names them', async () => {
    guard.injectFault({ operation: 'ChangeResourceRecordSets', code: 'Throttling', times: 1 });
    const throttled = await rejection(send([change('CREATE', rrs(`f.${ZONE}`, 'A', ['10.0.0.1']))]));
    expect(throttled.name).toBe('Throttling');
    expect(throttled.message).toBe('Rate exceeded');

    guard.injectFault({ operation: 'ChangeResourceRecordSets', code: 'PriorRequestNotComplete', times: 1 });
    const prior = await rejection(send([change('CREATE', rrs(`f.${ZONE}`, 'A', ['10.0.0.1']))]));
    expect(prior.name).toBe('PriorRequestNotComplete');

    await send([change('CREATE', rrs(`f.${ZONE}`, 'A', ['10.0.0.1']))]);
    expect(guard.calls.filter((c) => c.operation === 'ChangeResourceRecordSets').map((c) => [c.status, c.errorCode])).toEqual([
      [400, 'Throttling'],
      [400, 'PriorRequestNotComplete'],
      [200, undefined],
    ]);
    expect(guard.calls.slice(0, 2).every((c) => c.injected)).toBe(true);
    expect(parseChangeBatch(guard.calls[0].body)).toEqual([
      { action: 'CREATE', name: `f.${ZONE}`, type: 'A', ttl: 60, values: ['10.0.0.1'] },
    ]);
    expect(await listRecords(zoneId)).toHaveLength(1);
  });

  it('answers ServiceUnavailable with 503 and matches operations or *', async () => {
    guard.injectFault({ operation: '*', code: 'ServiceUnavailable', times: 1 });
    const unavailable = await rejection(route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId })));
    expect(unavailable.name).toBe('ServiceUnavailable');
    expect((unavailable.$metadata as { httpStatusCode?: number }).httpStatusCode).toBe(503);

    guard.injectFault({ operation: 'ListResourceRecordSets', code: 'Throttling', times: 1, message: 'slow down' });
    await send([change('CREATE', rrs(`g.${ZONE}`, 'A', ['10.0.0.1']))]); // not a List call: passes
    const err = await rejection(route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId })));
    expect([err.name, err.message]).toEqual(['Throttling', 'slow down']);
    expect(guard.count('ListResourceRecordSets')).toBe(2);
    expect(guard.count('ChangeResourceRecordSets')).toBe(1);
  });

  it('records each SDK retry attempt as a call', async () => {
    const retrying = new Route53Client({ endpoint: guard.url }); // default: 3 attempts
    guard.injectFault({ operation: 'ChangeResourceRecordSets', code: 'Throttling', times: 2 });
    await send([change('CREATE', rrs(`h.${ZONE}`, 'A', ['10.0.0.1']))], retrying);
    retrying.destroy();
    expect(guard.count('ChangeResourceRecordSets')).toBe(3);
    expect(guard.calls.map((c) => c.status)).toEqual([400, 400, 200]);
  });
});

describe('ecs scenario helpers', () => {
  beforeEach(async () => {
    await pinEcsTasksRunning();
  });

  it('runs awsvpc tasks with an ENI address and builds their events', async () => {
    const vpc = await createVpc();
    const { clusterArn } = await createCluster('web-cluster');
    const td = await registerTaskDefinition({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'web', portMappings: [{ containerPort: 8080 }], environment: { SD_NAME: 'web' } }],
    });
    const tasks = await runAwsvpcTasks({ cluster: 'web-cluster', taskDefinition: td, count: 2, vpc, group: 'service:web' });
    expect(tasks).toHaveLength(2);
    const described = await describeTasks('web-cluster', tasks.map((t) => t.taskArn!));
    await describeTasks('web-cluster', tasks.map((t) => t.taskArn!));
    expect(described.map((t) => t.lastStatus)).toEqual(['RUNNING', 'RUNNING']);
    expect((await describeTasks('web-cluster', tasks.map((t) => t.taskArn!))).map((t) => t.lastStatus)).toEqual(['RUNNING', 'RUNNING']);

    const event = taskStateChangeEvent(described[0], { version: 3, containerHealth: 'HEALTHY' });
    const ip = described[0].attachments![0].details!.find((d) => d.name === 'privateIPv4Address')!.value!;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      region: 'us-east-1',
      resources: [described[0].taskArn],
      detail: {
        clusterArn,
        group: 'service:web',
        launchType: 'FARGATE',
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        version: 3,
        taskDefinitionArn: td.taskDefinitionArn,
        attachments: [{ type: 'eni', status: 'ATTACHED' }],
        containers: [
          {
            name: 'web',
            lastStatus: 'RUNNING',
            healthStatus: 'HEALTHY',
            taskArn: described[0].taskArn,
            networkInterfaces: [{ privateIpv4Address: ip }],
          },
        ],
        overrides: { containerOverrides: [{ name: 'web' }] },
      },
    });
    expect(event.detail.attachments[0].details).toContainEqual({ name: 'privateIPv4Address', value: ip });
    expect(event.detail.containers[0].networkBindings).toBeUndefined();
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs bridge tasks on a container instance that resolves to the EC2 private IP', async () => {
    const vpc = await createVpc();
    await createCluster('ec2-cluster');
    const td = await registerTaskDefinition({
      family: 'api',
      networkMode: 'bridge',
      containers: [
        { name: 'api', portMappings: [{ containerPort: 8080, hostPort: 0 }] },
        { name: 'sidecar', portMappings: [{ containerPort: 9901, hostPort: 9901 }] },
      ],
    });
    const instance = await registerEc2ContainerInstance({ cluster: 'ec2-cluster', vpc });
    const [task] = await runBridgeTasks({ cluster: 'ec2-cluster', taskDefinition: td, containerInstance: instance, count: 1 });
    expect(task.containerInstanceArn).toBe(instance.containerInstanceArn);

    const ecs = new ECSClient({});
    const ec2 = new EC2Client({});
    const { containerInstances } = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: 'ec2-cluster', containerInstances: [task.containerInstanceArn!] }),
    );
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [containerInstances![0].ec2InstanceId!] }));
    ecs.destroy();
    ec2.destroy();
    expect(Reservations![0].Instances![0].PrivateIpAddress).toBe(instance.privateIpAddress);

    const event = taskStateChangeEvent(task, { taskDefinition: td, hostPorts: { 8080: 32801 }, lastStatus: 'RUNNING' });
    expect(event.detail.containerInstanceArn).toBe(instance.containerInstanceArn);
    expect(event.detail.attachments).toEqual([]);
    expect(event.detail.group).toBe('family:api');
    expect(event.detail.launchType).toBe('EC2');
    expect(event.detail.containers.map((c) => [c.name, c.networkBindings])).toEqual([
      ['api', [{ bindIP: '0.0.0.0', containerPort: 8080, hostPort: 32801, protocol: 'tcp' }]],
      ['sidecar', [{ bindIP: '0.0.0.0', containerPort: 9901, hostPort: 9901, protocol: 'tcp' }]],
    ]);

    const stopped = taskStateChangeEvent(task, { taskDefinition: td, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', version: 5 });
    expect(stopped.detail).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', version: 5, stopCode: 'UserInitiated' });
    // without hostPorts a dynamic port gets a stable ephemeral number
    const again = taskStateChangeEvent(task, { taskDefinition: td });
    expect(again.detail.containers[0].networkBindings![0].hostPort).toBe(stopped.detail.containers[0].networkBindings![0].hostPort);
    expect(again.detail.containers[0].networkBindings![0].hostPort).toBeGreaterThanOrEqual(32768);
  });

  it('creates private hosted zones associated with a VPC', async () => {
    const vpc = await createVpc();
    const id = await createHostedZone('private.internal', vpc.vpcId);
    expect(id).not.toContain('/');
    const zone = await route53.send(new GetHostedZoneCommand({ Id: id }));
    expect(zone.HostedZone?.Config?.PrivateZone).toBe(true);
    expect(zone.VPCs?.map((v) => v.VPCId)).toEqual([vpc.vpcId]);
  });
});
