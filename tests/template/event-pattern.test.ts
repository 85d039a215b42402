// Proves that the EventBridge pattern of TaskStateChangeRule in template.yaml matches exactly the intended events.
// The pattern is resolved from the template (Ref, Fn::If, Fn::Join, Conditions, AWS::NoValue) for given parameter
// values, put on a rule in moto's EventBridge with an SQS target (moto filters by pattern as AWS does), and every
// sample event in events/ plus hand-made near misses is sent: task state changes arrive (unless filtered out by
// cluster), CloudTrail records and near misses do not.
// The resolver and the moto plumbing are in tests/support/event-patterns.ts.
import { ACCOUNT, CfnResolver, deliver, MOTO_URL, names, REGION, samples, type Obj, type Sample } from '../support/event-patterns';
import { loadTemplate } from '../support/template';

const DEMO = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;
const OTHER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`;

// ------------------------------------------------------------------------------------------------------------------
// What is sent: every sample event in events/ (but sqs/), and near misses built from them.
// ------------------------------------------------------------------------------------------------------------------
const taskSamples = samples('task-state-change');
const trailSamples = samples('cloudtrail');
const running = taskSamples.find((s) => s.name === 'task-state-change/awsvpc-fargate-running.json')!.event;

function variant(name: string, change: (e: Obj) => void): Sample {
  const event = JSON.parse(JSON.stringify(running)) as Obj;
  change(event);
  return { name: `near-miss/${name}`, event };
}
/** Not ECS task state changes, though close to one: none may ever arrive. */
const nearMisses: Sample[] = [
  variant('source-aws.ec2', (e) => { e.source = 'aws.ec2'; }),
  variant('source-custom-ecs', (e) => { e.source = 'ecs'; }),
  variant('detail-type-container-instance', (e) => {
    e['detail-type'] = 'ECS Container Instance State Change';
    e.resources = [`arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/demo/8f2a4c6e0b1d4e3f9a5c7e9b1d3f5a70`];
    e.detail = { clusterArn: DEMO, agentConnected: true, status: 'ACTIVE', version: 12,
      containerInstanceArn: e.resources[0], ec2InstanceId: 'i-0a1b2c3d4e5f60718' };
  }),
  variant('detail-type-service-action', (e) => {
    e['detail-type'] = 'ECS Service Action';
    e.resources = [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/web`];
    e.detail = { eventType: 'INFO', eventName: 'SERVICE_STEADY_STATE', clusterArn: DEMO, createdAt: '2025-11-20T09:20:00.000Z' };
  }),
  variant('detail-type-deployment', (e) => {
    e['detail-type'] = 'ECS Deployment State Change';
    e.resources = [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/web`];
    e.detail = { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/4820913756124830175',
      updatedAt: '2025-11-20T09:20:00.000Z', reason: 'ECS deployment ecs-svc/4820913756124830175 completed.' };
  }),
  variant('detail-type-lowercase', (e) => { e['detail-type'] = 'ecs task state change'; }),
];
/** Task state changes whose clusterArn is almost demo's: they arrive only when no cluster filter applies. */
const lookalikes: Sample[] = [
  { ...variant('cluster-demo-2', (e) => { e.detail.clusterArn = `${DEMO}-2`; }), name: 'lookalike/cluster-demo-2' },
  { ...variant('cluster-name-not-arn', (e) => { e.detail.clusterArn = 'demo'; }), name: 'lookalike/cluster-name-not-arn' },
];
const allSamples = [...taskSamples, ...trailSamples, ...nearMisses, ...lookalikes];

// ------------------------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------------------------
const template = loadTemplate();
const rule = template.Resources?.TaskStateChangeRule as Obj | undefined;
const patternFor = (clusterArns: string): Obj =>
  new CfnResolver(template, { ClusterArns: clusterArns }).resolve(rule?.Properties?.EventPattern) as Obj;

describe('TaskStateChangeRule in template.yaml', () => {
  it('is an enabled AWS::Events::Rule on the default bus with an event pattern', () => {
    expect(rule?.Type).toBe('AWS::Events::Rule');
    expect(rule?.Properties?.EventPattern).toBeDefined();
    expect(rule?.Properties?.EventBusName).toBeUndefined();
    expect(rule?.Properties?.State ?? 'ENABLED').toBe('ENABLED');
  });

  it('resolves to source + detail-type only when ClusterArns is empty (no empty clusterArn list, which matches nothing)', () => {
    expect(patternFor('')).toEqual({ source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'] });
  });

  it('adds detail.clusterArn with exactly the given ARNs when ClusterArns is set', () => {
    expect(patternFor(DEMO)).toEqual({
      source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'], detail: { clusterArn: [DEMO] },
    });
    expect(patternFor(`${DEMO},${OTHER}`).detail).toEqual({ clusterArn: [DEMO, OTHER] });
  });
});

describe('TaskStateChangeRule pattern in moto EventBridge -> SQS', () => {
  it('has moto to talk to (MOTO_URL, set by the jest global setup)', () => {
    expect(MOTO_URL).toMatch(/^https?:\/\//);
  });

  const cases: Array<{ title: string; clusterArns: string; expected: Sample[] }> = [
    {
      title: 'ClusterArns empty: every task state change of every cluster arrives',
      clusterArns: '',
      expected: [...taskSamples, ...lookalikes],
    },
    {
      title: 'ClusterArns = demo: the task state changes of demo arrive, nothing of other or of look-alike clusters',
      clusterArns: DEMO,
      expected: taskSamples.filter((s) => s.event.detail.clusterArn === DEMO),
    },
    {
      title: 'ClusterArns = demo,other: both clusters arrive, look-alikes do not',
      clusterArns: `${DEMO},${OTHER}`,
      expected: taskSamples,
    },
  ];

  it.each(cases)('$title', async ({ clusterArns, expected }) => {
    const { arrived, bodies } = await deliver(patternFor(clusterArns), allSamples, 'task-state-change');
    expect(arrived).toEqual(names(expected));
    // what arrives is the event as sent (moto rebuilds the envelope; detail and detail-type are untouched)
    for (const body of bodies) {
      const sample = allSamples.find((s) => JSON.stringify(s.event.detail) === JSON.stringify(body.detail));
      expect(sample?.event['detail-type']).toBe(body['detail-type']);
    }
  });

  it('sends the fixtures the cases above rely on', () => {
    // guards against the expectations becoming vacuous if fixtures are renamed or removed
    expect(taskSamples.length).toBeGreaterThanOrEqual(8);
    expect(trailSamples.length).toBeGreaterThanOrEqual(7);
    expect(names(taskSamples)).toEqual(expect.arrayContaining([
      'task-state-change/other-cluster-running.json', 'task-state-change/malformed-missing-detail.json']));
    expect(taskSamples.filter((s) => s.event.detail.clusterArn === DEMO).length).toBe(taskSamples.length - 1);
  });
});
