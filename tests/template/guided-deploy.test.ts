// `sam deploy --guided` and the console guide the operator: every parameter has a console group AND a label, the
// free-text lists are checked element by element (SubnetIds, SecurityGroupIds), the two come together (Rules), and the
// schedule patterns accept exactly what EventBridge accepts for rate(): "1 minute" singular, N >= 2 plural
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTemplate, ROOT } from '../support/template';

const template = loadTemplate();
const parameters = template.Parameters as Record<string, { AllowedPattern?: string; Type: string }>;
const matches = (name: string, value: string) => new RegExp(parameters[name].AllowedPattern!).test(value);

describe('AWS::CloudFormation::Interface', () => {
  const ui = template.Metadata['AWS::CloudFormation::Interface'];

  it('gives every parameter exactly one group and a label, and names no parameter that does not exist', () => {
    const grouped: string[] = ui.ParameterGroups.flatMap((g: { Parameters: string[] }) => g.Parameters);
    const names = Object.keys(parameters).sort();
    expect([...grouped].sort()).toEqual(names);
    expect(Object.keys(ui.ParameterLabels).sort()).toEqual(names);
    for (const [name, label] of Object.entries(ui.ParameterLabels as Record<string, { default: string }>)) {
      expect({ [name]: typeof label.default === 'string' && label.default.length > 0 }).toEqual({ [name]: true });
    }
  });

  it("the README's parameter table has a row for every parameter, with its label", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = Object.keys(parameters).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(rows).toEqual([]);
    const labels = Object.entries(ui.ParameterLabels as Record<string, { default: string }>)
      .filter(([name, label]) => !new RegExp(`\\| \`${name}\` \\|[^\\n]*\\| ${label.default.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|`).test(readme));
    expect(labels.map(([name]) => name)).toEqual([]);
  });
});

describe('schedule patterns (HealthCheckRate, ReconcileRate)', () => {
  const accepted = ['rate(1 minute)', 'rate(5 minutes)', 'rate(2 hours)', 'rate(1 day)', 'rate(10 minutes)', 'cron(0/2 * * * ? *)'];
  const rejected = [
    'rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(01 minute)', 'rate(1 hours)', 'rate(2 day)',
    'rate(1  minute)', 'rate(-1 minutes)', 'cron(0/2 * * * ?)', 'every minute', '',
  ];
  it.each(['HealthCheckRate', 'ReconcileRate'])('%s accepts what EventBridge accepts and nothing else', (name) => {
    expect(accepted.filter((v) => !matches(name, v))).toEqual([]);
    expect(rejected.filter((v) => matches(name, v))).toEqual([]);
  });
});

describe('health checker VPC parameters', () => {
  it('SubnetIds and SecurityGroupIds take only IDs of their kind (CloudFormation checks each list item), or nothing', () => {
    expect(parameters.SubnetIds.Type).toBe('CommaDelimitedList');
    expect(parameters.SecurityGroupIds.Type).toBe('CommaDelimitedList');
    for (const ok of ['', 'subnet-0123456789abcdef0', 'subnet-01234567']) expect({ ok, m: matches('SubnetIds', ok) }).toEqual({ ok, m: true });
    for (const bad of ['sg-0123456789abcdef0', 'subnet-XYZ', 'subnet-0123', ' subnet-01234567']) {
      expect({ bad, m: matches('SubnetIds', bad) }).toEqual({ bad, m: false });
    }
    for (const ok of ['', 'sg-0123456789abcdef0']) expect({ ok, m: matches('SecurityGroupIds', ok) }).toEqual({ ok, m: true });
    for (const bad of ['subnet-0123456789abcdef0', 'sg-12', 'default']) {
      expect({ bad, m: matches('SecurityGroupIds', bad) }).toEqual({ bad, m: false });
    }
  });

  it('a Rule rejects SubnetIds without SecurityGroupIds and the reverse', () => {
    const empty = (name: string) => ({ 'Fn::EachMemberEquals': [{ Ref: name }, ''] });
    expect(template.Rules.ProbeSubnetsNeedSecurityGroups).toEqual({
      RuleCondition: { 'Fn::Not': [empty('SubnetIds')] },
      Assertions: [{ Assert: { 'Fn::Not': [empty('SecurityGroupIds')] }, AssertDescription: expect.stringMatching(/SecurityGroupIds is required/) }],
    });
    expect(template.Rules.ProbeSecurityGroupsNeedSubnets).toEqual({
      RuleCondition: { 'Fn::Not': [empty('SecurityGroupIds')] },
      Assertions: [{ Assert: { 'Fn::Not': [empty('SubnetIds')] }, AssertDescription: expect.stringMatching(/SubnetIds is required/) }],
    });
  });
});

describe('alarm parameters', () => {
  it('AlarmEmail and AlarmTopicArn are optional and checked', () => {
    expect(matches('AlarmEmail', '')).toBe(true);
    expect(matches('AlarmEmail', 'oncall@example.com')).toBe(true);
    expect(matches('AlarmEmail', 'oncall')).toBe(false);
    expect(matches('AlarmTopicArn', '')).toBe(true);
    expect(matches('AlarmTopicArn', 'arn:aws:sns:eu-west-1:123456789012:on-call')).toBe(true);
    expect(matches('AlarmTopicArn', 'on-call')).toBe(false);
  });
});
