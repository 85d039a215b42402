// Least privilege, proven on the template: every statement of every function is exactly its action's scope
// (tests/support/iam.ts LEAST_PRIVILEGE: Route 53 on the one zone, DynamoDB on the app's tables, StopTask and
// DescribeTasks on tasks with the ecs:cluster condition, "*" only where IAM accepts nothing else), and the checks
// really fail when a grant is widened or a needed one removed (each shown on a modified copy of the template).
import { LEAST_PRIVILEGE, scopeProblems, ungrantedCalls } from '../support/iam';
import { loadTemplate, type Template } from '../support/template';

const FUNCTIONS = ['TaskRegistrarFunction', 'LbRegistrarFunction', 'HealthCheckerFunction', 'ReconcilerFunction'];

/** A fresh copy of the template with the statement `sid` of `functionId` changed by `edit` (or removed). */
function withStatement(functionId: string, sid: string, edit: (s: Template) => Template | undefined): Template {
  const template = loadTemplate();
  const policy = template.Resources[functionId].Properties.Policies[0];
  const unwrap = (s: Template): Template => (s['Fn::If'] ? s['Fn::If'][1] : s);
  const index = policy.Statement.findIndex((s: Template) => unwrap(s)?.Sid === sid);
  if (index < 0) throw new Error(`no statement ${sid} in ${functionId}`);
  const original = policy.Statement[index];
  const changed = edit(structuredClone(unwrap(original)));
  const wrapped = original['Fn::If'] && changed ? { 'Fn::If': [original['Fn::If'][0], changed, original['Fn::If'][2]] } : changed;
  if (wrapped) policy.Statement[index] = wrapped;
  else policy.Statement.splice(index, 1);
  return template;
}

describe('least privilege of the functions', () => {
  it.each(FUNCTIONS)('%s: every statement is exactly the scope of its actions', (fn) => {
    expect(scopeProblems(fn)).toEqual([]);
  });

  it('StopTask and DescribeTasks carry the ecs:cluster condition of ClusterArns; ListClusters only without ClusterArns', () => {
    expect(LEAST_PRIVILEGE['ecs:StopTask'].condition).toEqual({
      'Fn::If': ['FilterClusters', { ArnEquals: { 'ecs:cluster': { Ref: 'ClusterArns' } } }, { Ref: 'AWS::NoValue' }],
    });
    expect(LEAST_PRIVILEGE['ecs:ListClusters'].when).toEqual([{ condition: 'FilterClusters', is: false }]);
  });
});

describe('the checks fail when a grant is widened', () => {
  it.each([
    ['a table ARN widened to "*"', 'HealthCheckerFunction', 'StateTable', (s: Template) => ({ ...s, Resource: '*' }),
      /StateTable: dynamodb:GetItem on "\*" is outside its scope/],
    ['the zone widened to every hosted zone', 'TaskRegistrarFunction', 'Route53RecordsOfTheServiceZone',
      (s: Template) => ({ ...s, Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:route53:::hostedzone/*' } }),
      /route53:ChangeResourceRecordSets on .*hostedzone\/\*.* is outside its scope/],
    ['the ecs:cluster condition dropped from StopTask', 'HealthCheckerFunction', 'StopUnhealthyTasksInScope',
      (s: Template) => { delete s.Condition; return s; },
      /StopUnhealthyTasksInScope: ecs:StopTask has Condition undefined, expected/],
    ['the ecs:cluster condition dropped from ListTasks', 'ReconcilerFunction', 'ListTasksInScope',
      (s: Template) => { delete s.Condition; return s; }, /ecs:ListTasks has Condition undefined/],
    ['StopTask on every task of any account', 'HealthCheckerFunction', 'StopUnhealthyTasksInScope',
      (s: Template) => ({ ...s, Resource: '*' }), /ecs:StopTask on "\*" is outside its scope/],
    ['a wildcard action', 'LbRegistrarFunction', 'ServiceStateItems',
      (s: Template) => ({ ...s, Action: ['dynamodb:*'] }), /dynamodb:\* has no least-privilege scope/],
    ['an action nobody reviewed', 'ReconcilerFunction', 'StateTable',
      (s: Template) => ({ ...s, Action: [...s.Action, 'dynamodb:DeleteTable'] }), /dynamodb:DeleteTable has no least-privilege scope/],
    ['the on-failure destination widened to every queue', 'LbRegistrarFunction', 'OnFailureDestination',
      (s: Template) => ({ ...s, Resource: '*' }), /sqs:SendMessage on "\*" is outside its scope/],
  ])('%s', (_case, fn, sid, edit, problem) => {
    const problems = scopeProblems(fn, withStatement(fn, sid, edit));
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('ListClusters granted even when ClusterArns limits the scope', () => {
    const template = loadTemplate();
    const statements = template.Resources.ReconcilerFunction.Properties.Policies[0].Statement as Template[];
    const i = statements.findIndex((s) => s['Fn::If']?.[2]?.Sid === 'ListClustersWhenAllAreInScope');
    statements[i] = statements[i]['Fn::If'][2]; // unconditional
    expect(scopeProblems('ReconcilerFunction', template)).toEqual([
      expect.stringMatching(/ecs:ListClusters is granted when \[\], expected/),
    ]);
  });
});

describe('the checks fail when a needed grant is removed', () => {
  it.each([
    ['StopTask', 'HealthCheckerFunction', 'StopUnhealthyTasksInScope', [{ action: 'ecs:StopTask' }], {}, ['ecs:StopTask']],
    ['the state table', 'TaskRegistrarFunction', 'StateTable', [{ action: 'dynamodb:GetItem', table: 'state' }],
      { state: 'StateTable' }, ['dynamodb:GetItem on StateTable']],
    ['Route 53', 'ReconcilerFunction', 'Route53RecordsOfTheServiceZone', [{ action: 'route53:ListResourceRecordSets' }], {},
      ['route53:ListResourceRecordSets']],
  ])('%s', (_case, fn, sid, calls, tables, missing) => {
    expect(ungrantedCalls(fn, calls, tables)).toEqual([]); // granted by the template as it is
    expect(ungrantedCalls(fn, calls, tables, withStatement(fn, sid, () => undefined))).toEqual(missing);
  });
});
