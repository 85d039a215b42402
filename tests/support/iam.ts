// A function's IAM policy as template.yaml declares it, checked two ways:
// - against the AWS calls its code really made (recordAwsCalls, ungrantedCalls): every recorded action must be
//   allowed by one of the function's own statements, and a DynamoDB action by a statement on the table the call went
//   to, so removing a needed grant fails;
// - against the least-privilege scope of each action (LEAST_PRIVILEGE, scopeProblems): every statement's actions,
//   Resource and Condition must be exactly the scope written down here, so widening a grant fails (Resource "*"
//   where a table ARN was, a dropped ecs:cluster condition, a wildcard action, an action nobody reviewed).
import type { RecordedCall } from './aws-calls';
import { loadTemplate, type Template } from './template';

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isNoValue = (v: unknown) => (v as { Ref?: string })?.Ref === 'AWS::NoValue';

/** A template condition and the branch of its Fn::If a statement sits in. */
export interface When {
  condition: string;
  is: boolean;
}

/**
 * The Allow statements of a function's inline policies. A statement inside Fn::If counts as granted when its
 * condition can be true, so both branches are taken (AWS::NoValue dropped): the calls of one test scenario must be
 * allowed under some deployment the parameters permit. `when` lists the Fn::If branches the statement sits in.
 */
export function allowStatements(
  functionId: string,
  template: Template = loadTemplate(),
): (PolicyStatement & { when: When[] })[] {
  const fn = template.Resources[functionId];
  if (!fn) throw new Error(`no resource ${functionId} in template.yaml`);
  const expand = (s: unknown, when: When[]): (PolicyStatement & { when: When[] })[] => {
    const branches = (s as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (branches) {
      const [condition, yes, no] = branches;
      return [
        ...(isNoValue(yes) ? [] : expand(yes, [...when, { condition, is: true }])),
        ...(isNoValue(no) ? [] : expand(no, [...when, { condition, is: false }])),
      ];
    }
    return [{ ...(s as PolicyStatement), when }];
  };
  return asList(fn.Properties.Policies)
    .flatMap((policy: Template) => asList(policy.Statement as unknown[]))
    .flatMap((s) => expand(s, []))
    .filter((s) => s.Effect === 'Allow');
}

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ecsArn = (type: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${type}/*` });
/** The one hosted zone the stack writes to: the given one, or the private zone it creates. */
const ZONE_ARN = {
  'Fn::Sub': [
    'arn:${AWS::Partition}:route53:::hostedzone/${ZoneId}',
    { ZoneId: { 'Fn::If': ['CreateHostedZone', { Ref: 'PrivateHostedZone' }, { Ref: 'HostedZoneId' }] } },
  ],
};
/** Tasks of the ClusterArns clusters when set (every cluster of the account and Region otherwise). */
const CLUSTERS_IN_SCOPE = {
  'Fn::If': ['FilterClusters', { ArnEquals: { 'ecs:cluster': { Ref: 'ClusterArns' } } }, { Ref: 'AWS::NoValue' }],
};
/** The application's tables (and their indexes, should one be added). */
const TABLES = ['StateTable', 'IdempotencyTable'].flatMap((t) => [getAtt(t), { 'Fn::Sub': `\${${t}.Arn}/index/*` }]);

interface Scope {
  /** the Resource values a statement granting the action may name (each of them one of these) */
  resources: unknown[];
  /** the Condition a statement granting the action must carry (undefined: none) */
  condition?: unknown;
  /** the Fn::If branches a statement granting the action must sit in */
  when?: When[];
  /** why the scope is what it is (the Service Authorization Reference's resource types and condition keys) */
  why: string;
}

const NO_RESOURCE_TYPE = 'the Service Authorization Reference lists no resource type: IAM accepts only "*"';

/** The least-privilege scope of every action the application's functions may be granted. */
export const LEAST_PRIVILEGE: Record<string, Scope> = {
  'route53:ChangeResourceRecordSets': { resources: [ZONE_ARN], why: 'the one zone' },
  'route53:ListResourceRecordSets': { resources: [ZONE_ARN], why: 'the one zone' },
  ...Object.fromEntries(
    ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem'].map((a) => [
      `dynamodb:${a}`,
      { resources: TABLES, why: "the application's tables" },
    ]),
  ),
  'ecs:DescribeTasks': { resources: [ecsArn('task')], condition: CLUSTERS_IN_SCOPE, why: 'tasks of the clusters in scope' },
  'ecs:StopTask': { resources: [ecsArn('task')], condition: CLUSTERS_IN_SCOPE, why: 'tasks of the clusters in scope' },
  'ecs:ListTasks': {
    resources: ['*'],
    condition: CLUSTERS_IN_SCOPE,
    why: 'authorised on "*" without a containerInstance filter; scoped by the ecs:cluster condition',
  },
  'ecs:ListClusters': {
    resources: ['*'],
    when: [{ condition: 'FilterClusters', is: false }],
    why: `only when every cluster is in scope; ${NO_RESOURCE_TYPE}`,
  },
  'ecs:DescribeContainerInstances': { resources: [ecsArn('container-instance')], why: 'this account and Region' },
  'ecs:DescribeTaskDefinition': { resources: ['*'], why: NO_RESOURCE_TYPE },
  'ec2:DescribeInstances': { resources: ['*'], why: NO_RESOURCE_TYPE },
  'elasticloadbalancing:DescribeTargetGroups': { resources: ['*'], why: NO_RESOURCE_TYPE },
  'elasticloadbalancing:DescribeLoadBalancers': { resources: ['*'], why: NO_RESOURCE_TYPE },
  'sqs:SendMessage': { resources: [getAtt('LbEventsDeadLetterQueue')], why: 'the on-failure destination only' },
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Every way the function's inline statements are wider than LEAST_PRIVILEGE (or use a form it cannot check:
 * NotAction, NotResource, wildcard actions), as readable lines; [] when every statement is exactly in scope.
 */
export function scopeProblems(functionId: string, template: Template = loadTemplate()): string[] {
  const problems: string[] = [];
  for (const s of allowStatements(functionId, template)) {
    const sid = s.Sid ?? '(no Sid)';
    for (const key of ['NotAction', 'NotResource', 'NotPrincipal']) {
      if (key in s) problems.push(`${sid}: ${key} is not allowed`);
    }
    for (const action of asList(s.Action)) {
      const scope = LEAST_PRIVILEGE[action];
      if (!scope) {
        problems.push(`${sid}: ${action} has no least-privilege scope (a wildcard, or an action nobody reviewed)`);
        continue;
      }
      for (const resource of asList(s.Resource)) {
        if (!scope.resources.some((r) => same(r, resource))) {
          problems.push(`${sid}: ${action} on ${JSON.stringify(resource)} is outside its scope (${scope.why})`);
        }
      }
      if (!same(s.Condition, scope.condition)) {
        problems.push(`${sid}: ${action} has Condition ${JSON.stringify(s.Condition)}, expected ${JSON.stringify(scope.condition)}`);
      }
      if (scope.when && !same(s.when, scope.when)) {
        problems.push(`${sid}: ${action} is granted when ${JSON.stringify(s.when)}, expected ${JSON.stringify(scope.when)}`);
      }
    }
  }
  return problems;
}

/**
 * The recorded calls no statement of the function allows, as "action" or "action on <logical table>". `tables`
 * maps the physical table names the test created to the template's logical IDs (e.g. { [name]: 'StateTable' }).
 */
export function ungrantedCalls(
  functionId: string,
  calls: Pick<RecordedCall, 'action' | 'table'>[],
  tables: Record<string, string> = {},
  template: Template = loadTemplate(),
): string[] {
  const statements = allowStatements(functionId, template);
  const problems = new Set<string>();
  for (const call of calls) {
    const withAction = statements.filter((s) => asList(s.Action).includes(call.action));
    const logical = call.table ? tables[call.table] : undefined;
    if (call.table && !logical) {
      problems.add(`${call.action} on a table the test did not name (${call.table})`);
      continue;
    }
    const allowed = logical
      ? withAction.some((s) =>
        asList(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [logical, 'Arn'] })))
      : withAction.length > 0;
    if (!allowed) problems.add(logical ? `${call.action} on ${logical}` : call.action);
  }
  return [...problems].sort();
}
