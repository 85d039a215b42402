// Records every AWS API call the SDK clients make (all clients share @smithy/core's Client), as IAM actions,
// so a test can check that a function's policy grants exactly what its code really calls.
import { Client } from '@smithy/core/client';

const PREFIX: Record<string, string> = {
  Route53Client: 'route53',
  ECSClient: 'ecs',
  EC2Client: 'ec2',
  DynamoDBClient: 'dynamodb',
  ElasticLoadBalancingClient: 'elasticloadbalancing',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  SQSClient: 'sqs',
};

// IAM has no action for some API operations: they are authorised per item.
const EXPANDS: Record<string, string[]> = {
  'dynamodb:TransactWriteItems': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
};

export function recordAwsCalls(): { actions: Set<string>; counts: Map<string, number>; stop: () => void } {
  const actions = new Set<string>();
  /** calls per IAM action, as sent (before the per-item expansion) */
  const counts = new Map<string, number>();
  const proto = Client.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const original = proto.send;
  proto.send = function (this: object, command: unknown, ...rest: unknown[]) {
    const prefix = PREFIX[this.constructor.name];
    const operation = (command as object).constructor.name.replace(/Command$/, '');
    if (prefix) {
      const action = `${prefix}:${operation}`;
      counts.set(action, (counts.get(action) ?? 0) + 1);
      for (const a of EXPANDS[action] ?? [action]) actions.add(a);
    }
    return original.call(this, command, ...rest);
  };
  return { actions, counts, stop: () => (proto.send = original) };
}
