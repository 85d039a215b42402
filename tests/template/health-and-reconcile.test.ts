// template.yaml for the scheduled functions: schedules, VPC placement, the settings the code reads, and IAM that
// grants exactly what each function calls (scoped to the zone, the table, the tasks of the clusters in scope).
import { loadHealthConfig } from '@ecs-sd/core';
import { loadTemplate, type Template } from '../support/template';

const template: Template = loadTemplate();
const resources: Record<string, Template> = template.Resources;
const parameters: Record<string, Template> = template.Parameters;
const checker = resources.HealthCheckerFunction;
const reconciler = resources.ReconcilerFunction;

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Statements of a function's inline policy; `Fn::If` statements are resolved with the given condition values. */
function statements(fn: Template, conditions: Record<string, boolean>): Statement[] {
  return asList(fn.Properties.Policies).flatMap((policy: Template) =>
    (policy.Statement as Template[]).flatMap((s) => {
      if (!s['Fn::If']) return [s as Statement];
      const [condition, whenTrue, whenFalse] = s['Fn::If'];
      const chosen = conditions[condition] ? whenTrue : whenFalse;
      return chosen.Ref === 'AWS::NoValue' ? [] : [chosen as Statement];
    }),
  );
}
const zoneArn = {
  'Fn::Sub': [
    'arn:${AWS::Partition}:route53:::hostedzone/${ZoneId}',
    { ZoneId: { 'Fn::If': ['CreateHostedZone', { Ref: 'PrivateHostedZone' }, { Ref: 'HostedZoneId' }] } },
  ],
};
const account = (type: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${type}/*` });
const clusterCondition = {
  'Fn::If': ['FilterClusters', { ArnEquals: { 'ecs:cluster': { Ref: 'ClusterArns' } } }, { Ref: 'AWS::NoValue' }],
};
const grants = (list: Statement[], action: string) => list.filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action));

describe('schedules and placement', () => {
  it('each function runs on its own schedule parameter', () => {
    expect(checker.Properties.Events.Schedule).toEqual({
      Type: 'Schedule',
      Properties: expect.objectContaining({ Schedule: { Ref: 'HealthCheckRate' } }),
    });
    expect(reconciler.Properties.Events.Schedule).toEqual({
      Type: 'Schedule',
      Properties: expect.objectContaining({ Schedule: { Ref: 'ReconcileRate' } }),
    });
    expect(parameters.HealthCheckRate.Default).toBe('rate(1 minute)');
    expect(parameters.ReconcileRate.Default).toBe('rate(5 minutes)');
    for (const name of ['HealthCheckRate', 'ReconcileRate']) {
      const pattern = new RegExp(parameters[name].AllowedPattern);
      expect(['rate(1 minute)', 'rate(5 minutes)', 'cron(0/2 * * * ? *)'].every((v) => pattern.test(v))).toBe(true);
      expect(pattern.test('every minute')).toBe(false);
    }
  });

  it('a failed or late run is dropped, not retried: the next run starts from the current state', () => {
    for (const fn of [checker, reconciler]) expect(fn.Properties.EventInvokeConfig.MaximumRetryAttempts).toBe(0);
  });

  it('the health checker runs in the VPC given by SubnetIds and SecurityGroupIds', () => {
    expect(checker.Properties.VpcConfig).toEqual({
      'Fn::If': [
        'ProbeFromVpc',
        { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(template.Conditions.ProbeFromVpc['Fn::And']).toHaveLength(2);
  });
});

describe('settings', () => {
  const env = checker.Properties.Environment.Variables;
  const MAPPING: Record<string, [string, unknown]> = {
    UNHEALTHY_THRESHOLD: ['UnhealthyThreshold', 3],
    HEALTHY_THRESHOLD: ['HealthyThreshold', 2],
    GRACE_PERIOD_SECONDS: ['GracePeriodSeconds', 60],
    STOP_UNHEALTHY_TASKS: ['StopUnhealthyTasks', 'true'],
    MAX_STOP_PERCENT: ['MaxStopPercent', 50],
    PANIC_THRESHOLD: ['PanicThreshold', 50],
    PANIC_MIN_PROBES: ['PanicMinProbes', 5],
    HEALTH_CHECK_PATH: ['HealthCheckPath', '/health'],
    HEALTH_CHECK_TIMEOUT_SECONDS: ['HealthCheckTimeoutSeconds', 2],
    PROBE_CONCURRENCY: ['ProbeConcurrency', 64],
    HEALTHY_STATUS_CODES: ['HealthyStatusCodes', '200-299'],
  };

  const rows = Object.entries(MAPPING).map(([variable, [parameter, value]]) => [variable, parameter, value] as const);
  it.each(rows)('%s comes from parameter %s (default %p)', (variable, parameter, value) => {
    expect(env[variable]).toEqual({ Ref: parameter });
    expect(parameters[parameter].Default).toEqual(value);
  });

  it('the parameter defaults are what loadHealthConfig accepts, and equal its own defaults', () => {
    const fromTemplate = Object.fromEntries(
      Object.entries(MAPPING).map(([variable, [parameter]]) => [variable, String(parameters[parameter].Default)]),
    );
    expect(loadHealthConfig(fromTemplate)).toEqual(loadHealthConfig({}));
  });

  it('parameter constraints agree with the code', () => {
    const path = new RegExp(parameters.HealthCheckPath.AllowedPattern);
    expect(['', '/health', '/ready?deep=1'].every((p) => path.test(p))).toBe(true);
    expect(path.test('health')).toBe(false);
    const codes = new RegExp(parameters.HealthyStatusCodes.AllowedPattern);
    expect(['200-299', '200,204', '200-299,301'].every((c) => codes.test(c))).toBe(true);
    expect(codes.test('2xx')).toBe(false);
  });
});

describe('IAM: what each function calls, and no more', () => {
  for (const [filter, stops] of [
    [true, true],
    [false, true],
    [true, false],
  ] as const) {
    it(`health checker (ClusterArns ${filter ? 'set' : 'empty'}, StopUnhealthyTasks ${stops})`, () => {
      const own = statements(checker, { FilterClusters: filter, StopsEnabled: stops });
      expect(grants(own, 'route53:ChangeResourceRecordSets').map((s) => s.Resource)).toEqual([zoneArn]);
      expect(grants(own, 'route53:ListResourceRecordSets').map((s) => s.Resource)).toEqual([zoneArn]);
      expect(grants(own, 'ecs:DescribeTasks')).toEqual([
        expect.objectContaining({ Resource: account('task'), Condition: clusterCondition }),
      ]);
      expect(grants(own, 'ecs:StopTask')).toEqual(
        stops ? [expect.objectContaining({ Resource: account('task'), Condition: clusterCondition })] : [],
      );
      for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem']) {
        expect(grants(own, `dynamodb:${action}`).map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]);
      }
      const actions = own.flatMap((s) => asList(s.Action)).sort();
      expect(actions).toEqual(
        [
          'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'ecs:DescribeTasks',
          ...(stops ? ['ecs:StopTask'] : []),
          'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
          'dynamodb:Scan', 'dynamodb:BatchWriteItem',
        ].sort(),
      );
      expect(own.some((s) => asList(s.Resource).includes('*'))).toBe(false);
    });
  }

  for (const filter of [true, false]) {
    it(`reconciler (ClusterArns ${filter ? 'set' : 'empty'})`, () => {
      const own = statements(reconciler, { FilterClusters: filter });
      expect(grants(own, 'route53:ListResourceRecordSets').map((s) => s.Resource)).toEqual([zoneArn]);
      expect(grants(own, 'ecs:ListClusters')).toEqual(filter ? [] : [expect.objectContaining({ Resource: '*' })]);
      // Listing a cluster's tasks is authorised against "*": the container-instance resource type applies only to
      // ListTasks with a containerInstance filter, so a container-instance ARN would deny every listing.
      expect(grants(own, 'ecs:ListTasks')).toEqual([
        expect.objectContaining({ Resource: '*', Condition: clusterCondition }),
      ]);
      expect(grants(own, 'ecs:DescribeTasks')).toEqual([
        expect.objectContaining({ Resource: account('task'), Condition: clusterCondition }),
      ]);
      expect(grants(own, 'ecs:StopTask')).toEqual([]);
      const actions = own.flatMap((s) => asList(s.Action)).sort();
      expect(actions).toEqual(
        [
          'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets',
          ...(filter ? [] : ['ecs:ListClusters']),
          'ecs:ListTasks', 'ecs:DescribeTasks', 'ecs:DescribeTaskDefinition', 'ec2:DescribeInstances',
          'ecs:DescribeContainerInstances',
          'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
          'dynamodb:Scan',
        ].sort(),
      );
      const broad = own.filter((s) => asList(s.Resource).includes('*')).flatMap((s) => asList(s.Action)).sort();
      expect(broad).toEqual(
        [...(filter ? [] : ['ecs:ListClusters']), 'ecs:ListTasks', 'ec2:DescribeInstances', 'ecs:DescribeTaskDefinition'].sort(),
      );
      // ... and ListTasks on "*" is never unconditional while ClusterArns is set.
      if (filter) expect(grants(own, 'ecs:ListTasks').every((s) => s.Condition !== undefined)).toBe(true);
    });
  }
});
