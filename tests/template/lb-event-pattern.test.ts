// Proves that the EventBridge pattern of LbServiceChangeRule in template.yaml matches exactly the intended events:
// the pattern is resolved from the template for given ClusterArns, put on a rule in moto's EventBridge with an SQS
// target (moto filters by pattern as AWS does), and every sample event in events/ plus near misses is sent.
// Successful CreateService/UpdateService/DeleteService calls arrive (unless filtered out by cluster); the failed
// call, task state changes and near misses never do.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, EventBridgeClient, PutEventsCommand,
  PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message,
} from '@aws-sdk/client-sqs';
import { loadTemplate, ROOT, type Template } from '../support/template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const DEMO = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;
const OTHER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`;
const template = loadTemplate();

// ------------------------------------------------------------------------------------------------------------------
// The rule's pattern for a value of ClusterArns (the intrinsics it uses: Ref, Fn::If, Conditions, AWS::NoValue).
// ------------------------------------------------------------------------------------------------------------------
const NO_VALUE = Symbol('AWS::NoValue');

function patternFor(clusterArns: string): Obj {
  const params: Record<string, unknown> = { ClusterArns: clusterArns.split(',').map((s) => s.trim()) };
  const conditions: Record<string, Obj> = template.Conditions;
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve).filter((n) => n !== NO_VALUE);
    if (!node || typeof node !== 'object') return node;
    const obj = node as Obj;
    const [key] = Object.keys(obj);
    if (Object.keys(obj).length === 1) {
      if (key === 'Ref') {
        if (obj.Ref === 'AWS::NoValue') return NO_VALUE;
        if (obj.Ref in params) return params[obj.Ref];
        throw new Error(`cannot resolve Ref ${obj.Ref}`);
      }
      if (key === 'Condition') return resolve(conditions[obj.Condition]);
      if (key === 'Fn::If') {
        const [cond, whenTrue, whenFalse] = obj['Fn::If'];
        return resolve(resolve(conditions[cond]) ? whenTrue : whenFalse);
      }
      if (key === 'Fn::Not') return !resolve(obj['Fn::Not'][0]);
      if (key === 'Fn::Equals') {
        const [a, b] = (obj['Fn::Equals'] as unknown[]).map(resolve);
        return JSON.stringify(a) === JSON.stringify(b);
      }
      if (key === 'Fn::Join') {
        const [separator, list] = obj['Fn::Join'];
        return (resolve(list) as string[]).join(separator);
      }
      if (key.startsWith('Fn::')) throw new Error(`${key} is not supported here`);
    }
    const out: Obj = {};
    for (const [k, v] of Object.entries(obj)) {
      const value = resolve(v);
      if (value !== NO_VALUE) out[k] = value;
    }
    return out;
  };
  return resolve((template.Resources as Template).LbServiceChangeRule.Properties.EventPattern) as Obj;
}

// ------------------------------------------------------------------------------------------------------------------
// What is sent
// ------------------------------------------------------------------------------------------------------------------
interface Sample { name: string; event: Obj }

const samples = (folder: string): Sample[] =>
  readdirSync(join(ROOT, 'events', folder)).filter((f) => f.endsWith('.json')).sort().map((f) => ({
    name: `${folder}/${f}`,
    event: JSON.parse(readFileSync(join(ROOT, 'events', folder, f), 'utf8')) as Obj,
  }));
const trail = samples('cloudtrail');
const tasks = samples('task-state-change');
const byName = (name: string) => trail.find((s) => s.name === `cloudtrail/${name}`)!.event;
const succeeded = trail.filter((s) => !s.event.detail.errorCode);

function variant(name: string, base: string, change: (e: Obj) => void): Sample {
  const event = JSON.parse(JSON.stringify(byName(base))) as Obj;
  change(event);
  return { name: `variant/${name}`, event };
}
/** Never to arrive. */
const nearMisses: Sample[] = [
  variant('read-only-DescribeServices', 'update-service.json', (e) => {
    e.detail.eventName = 'DescribeServices';
    e.detail.readOnly = true;
  }),
  variant('CreateCluster', 'create-service-alb.json', (e) => (e.detail.eventName = 'CreateCluster')),
  variant('UpdateServicePrimaryTaskSet', 'update-service.json', (e) => (e.detail.eventName = 'UpdateServicePrimaryTaskSet')),
  variant('another-event-source', 'create-service-alb.json', (e) => (e.detail.eventSource = 'elasticloadbalancing.amazonaws.com')),
  variant('source-aws.elasticloadbalancing', 'create-service-alb.json', (e) => (e.source = 'aws.elasticloadbalancing')),
  variant('detail-type-service-event', 'create-service-alb.json', (e) => (e['detail-type'] = 'AWS Service Event via CloudTrail')),
  variant('failed-update-with-response', 'update-service.json', (e) => {
    e.detail.errorCode = 'AccessDenied';
    e.detail.errorMessage = 'User is not authorized to perform: ecs:UpdateService';
  }),
  variant('failed-delete', 'delete-service.json', (e) => {
    e.detail.errorCode = 'ServiceNotFoundException';
    e.detail.responseElements = null;
  }),
];
/** Successful calls in clusters other than demo: they arrive only without a cluster filter (or with theirs). */
const otherClusters: Sample[] = [
  variant('create-in-other', 'create-service-alb.json', (e) => {
    e.detail.requestParameters.cluster = 'other';
    e.detail.responseElements.service.clusterArn = OTHER;
  }),
  variant('create-in-demo-2', 'create-service-nlb.json', (e) => {
    e.detail.requestParameters.cluster = `${DEMO}-2`;
    e.detail.responseElements.service.clusterArn = `${DEMO}-2`;
  }),
];
const all = [...trail, ...tasks, ...nearMisses, ...otherClusters];
const names = (list: Sample[]) => list.map((s) => s.name).sort();

// ------------------------------------------------------------------------------------------------------------------
// moto
// ------------------------------------------------------------------------------------------------------------------
const MOTO_URL = process.env.MOTO_URL;
const clientConfig = { region: REGION, endpoint: MOTO_URL, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };

async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + 20_000;
  let empty = 0;
  while (empty < 2 && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 120 }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    received.push(...Messages);
  }
  return received;
}

async function deliver(pattern: Obj, sent: Sample[]): Promise<string[]> {
  if (!MOTO_URL) throw new Error('MOTO_URL is not set: the jest global setup starts moto_server and sets it');
  const eb = new EventBridgeClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const bus = `lb-pattern-${suffix}`;
  const rule = 'lb-service-change';
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `lb-pattern-${suffix}` }));
  const queueUrl = QueueUrl as string;
  try {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await eb.send(new CreateEventBusCommand({ Name: bus }));
    await eb.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
    await eb.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }));
    const byEventId = new Map<string, string>();
    for (let i = 0; i < sent.length; i += 10) {
      const batch = sent.slice(i, i + 10);
      const out = await eb.send(new PutEventsCommand({
        Entries: batch.map((s) => ({
          EventBusName: bus,
          Source: s.event.source,
          DetailType: s.event['detail-type'],
          Detail: JSON.stringify(s.event.detail),
          Resources: s.event.resources,
          Time: new Date(s.event.time as string),
        })),
      }));
      expect(out.FailedEntryCount ?? 0).toBe(0);
      out.Entries?.forEach((entry, j) => byEventId.set(entry.EventId as string, batch[j].name));
    }
    const bodies = (await drain(sqs, queueUrl)).map((m) => JSON.parse(m.Body as string) as Obj);
    return bodies.map((b) => byEventId.get(b.id as string) ?? `unknown event ${b.id}`).sort();
  } finally {
    await eb.send(new RemoveTargetsCommand({ Rule: rule, EventBusName: bus, Ids: ['queue'] })).catch(() => undefined);
    await eb.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus })).catch(() => undefined);
    await eb.send(new DeleteEventBusCommand({ Name: bus })).catch(() => undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    eb.destroy();
    sqs.destroy();
  }
}

// ------------------------------------------------------------------------------------------------------------------

describe('LbServiceChangeRule pattern, resolved from template.yaml', () => {
  it('without ClusterArns: successful ECS service calls, no cluster filter', () => {
    expect(patternFor('')).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ecs.amazonaws.com'],
        eventName: ['CreateService', 'UpdateService', 'DeleteService'],
        errorCode: [{ exists: false }],
      },
    });
  });

  it('with ClusterArns: filtered on responseElements.service.clusterArn', () => {
    expect(patternFor(`${DEMO},${OTHER}`).detail.responseElements).toEqual({ service: { clusterArn: [DEMO, OTHER] } });
  });
});

describe('LbServiceChangeRule pattern in moto EventBridge -> SQS', () => {
  it('sends the fixtures the cases rely on', () => {
    expect(names(trail)).toEqual([
      'cloudtrail/create-service-alb.json', 'cloudtrail/create-service-classic-elb.json',
      'cloudtrail/create-service-failed.json', 'cloudtrail/create-service-nlb.json', 'cloudtrail/create-service-no-lb.json',
      'cloudtrail/delete-service.json', 'cloudtrail/update-service.json',
    ]);
    expect(succeeded).toHaveLength(6);
    expect(tasks.length).toBeGreaterThanOrEqual(8);
  });

  const cases: Array<{ title: string; clusterArns: string; expected: Sample[] }> = [
    {
      title: 'ClusterArns empty: every successful service call arrives; the failed call, task events and near misses do not',
      clusterArns: '',
      expected: [...succeeded, ...otherClusters],
    },
    {
      title: 'ClusterArns = demo: the successful calls of demo only (not the default cluster, not look-alikes)',
      clusterArns: DEMO,
      expected: succeeded.filter((s) => s.event.detail.responseElements.service.clusterArn === DEMO),
    },
    {
      title: 'ClusterArns = demo,other',
      clusterArns: `${DEMO},${OTHER}`,
      expected: [...succeeded.filter((s) => s.event.detail.responseElements.service.clusterArn === DEMO), otherClusters[0]],
    },
  ];

  it.each(cases)('$title', async ({ clusterArns, expected }) => {
    expect(await deliver(patternFor(clusterArns), all)).toEqual(names(expected));
  });

  it('the demo-only case is not vacuous: it drops the default-cluster create', () => {
    expect(cases[1].expected.map((s) => s.name)).not.toContain('cloudtrail/create-service-no-lb.json');
    expect(cases[1].expected).toHaveLength(5);
  });
});
