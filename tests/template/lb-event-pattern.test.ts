// Proves that the EventBridge pattern of LbServiceChangeRule in template.yaml matches exactly the intended events:
// the pattern is resolved from the template for given ClusterArns, put on a rule in moto's EventBridge with an SQS
// target (moto filters by pattern as AWS does), and every sample event in events/ plus near misses is sent.
// Successful CreateService/UpdateService/DeleteService calls arrive (unless filtered out by cluster); the failed
// call, task state changes and near misses never do.
// The resolver and the moto plumbing are in tests/support/event-patterns.ts.
import { ACCOUNT, CfnResolver, deliver, names, REGION, samples, type Obj, type Sample } from '../support/event-patterns';
import { loadTemplate } from '../support/template';

const DEMO = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;
const OTHER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`;
const template = loadTemplate();

/** The rule's pattern for a value of ClusterArns. */
const rule = template.Resources.LbServiceChangeRule as Obj;
const patternFor = (clusterArns: string): Obj =>
  new CfnResolver(template, { ClusterArns: clusterArns }).resolve(rule.Properties.EventPattern) as Obj;

// ------------------------------------------------------------------------------------------------------------------
// What is sent
// ------------------------------------------------------------------------------------------------------------------
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
    expect((await deliver(patternFor(clusterArns), all, 'lb-service-change')).arrived).toEqual(names(expected));
  });

  it('the demo-only case is not vacuous: it drops the default-cluster create', () => {
    expect(cases[1].expected.map((s) => s.name)).not.toContain('cloudtrail/create-service-no-lb.json');
    expect(cases[1].expected).toHaveLength(5);
  });
});
