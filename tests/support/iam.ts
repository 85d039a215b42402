// A function's IAM policy as template.yaml declares it, checked against the AWS calls its code really made
// (recordAwsCalls): every recorded action must be allowed by one of the function's own statements, and a DynamoDB
// action by a statement on the table the call went to.
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

/**
 * The Allow statements of a function's inline policies. A statement inside Fn::If counts as granted when its
 * condition can be true, so both branches are taken (AWS::NoValue dropped): the calls of one test scenario must be
 * allowed under some deployment the parameters permit.
 */
export function allowStatements(functionId: string, template: Template = loadTemplate()): PolicyStatement[] {
  const fn = template.Resources[functionId];
  if (!fn) throw new Error(`no resource ${functionId} in template.yaml`);
  const expand = (s: unknown): PolicyStatement[] => {
    const branches = (s as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (branches) return [branches[1], branches[2]].filter((b) => !isNoValue(b)).flatMap(expand);
    return [s as PolicyStatement];
  };
  return asList(fn.Properties.Policies)
    .flatMap((policy: Template) => asList(policy.Statement as unknown[]))
    .flatMap(expand)
    .filter((s) => s.Effect === 'Allow');
}

/**
 * The recorded calls no statement of the function allows, as "action" or "action on <logical table>". `tables`
 * maps the physical table names the test created to the template's logical IDs (e.g. { [name]: 'StateTable' }).
 */
export function ungrantedCalls(
  functionId: string,
  calls: RecordedCall[],
  tables: Record<string, string> = {},
): string[] {
  const statements = allowStatements(functionId);
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
