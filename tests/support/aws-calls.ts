// Records every AWS API call the SDK clients make (all clients share @smithy/core's Client), as IAM actions,
// so a test can check that a function's policy grants exactly what its code really calls.
//
// DynamoDB is called two ways: the low-level DynamoDBClient (Powertools Idempotency) and the DynamoDBDocumentClient
// (every state-table call). The document client sends its own commands (GetCommand, TransactWriteCommand, ...)
// through its own send, never through DynamoDBClient.send, so both are recorded here and mapped to the API
// operation (= the IAM action). TransactWriteItems and TransactGetItems have no IAM action of their own: each item
// is authorised as the single-item action of its kind (Put -> PutItem, Delete -> DeleteItem, ...), so they are
// recorded as the actions of the items actually sent.
import { Client } from '@smithy/core/client';

const PREFIX: Record<string, string> = {
  Route53Client: 'route53',
  ECSClient: 'ecs',
  EC2Client: 'ec2',
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  ElasticLoadBalancingClient: 'elasticloadbalancing',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  SQSClient: 'sqs',
};

/** @aws-sdk/lib-dynamodb command names (without "Command") -> the DynamoDB operation they send. */
const DOCUMENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
  ExecuteStatement: 'ExecuteStatement',
  BatchExecuteStatement: 'BatchExecuteStatement',
  ExecuteTransaction: 'ExecuteTransaction',
};

/** Transaction item kind -> the IAM action it is authorised as. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

export interface RecordedCall {
  /** IAM action, e.g. dynamodb:PutItem (a transaction contributes one call per item kind and table) */
  action: string;
  /** DynamoDB: the table the action applies to */
  table?: string;
}

type Input = Record<string, unknown> & {
  TableName?: string;
  RequestItems?: Record<string, unknown>;
  TransactItems?: Record<string, { TableName?: string }>[];
};

function authorised(action: string, input: Input): RecordedCall[] {
  if (action === 'dynamodb:TransactWriteItems' || action === 'dynamodb:TransactGetItems') {
    const calls = (input.TransactItems ?? []).flatMap((item) =>
      Object.entries(item).map(([kind, body]) => ({ action: TRANSACT_ITEM_ACTIONS[kind] ?? `dynamodb:${kind}`, table: body?.TableName })),
    );
    const seen = new Set<string>();
    return calls.filter((c) => !seen.has(`${c.action}|${c.table}`) && seen.add(`${c.action}|${c.table}`));
  }
  if (action.startsWith('dynamodb:')) {
    const tables = input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {});
    return tables.length > 0 ? tables.map((table) => ({ action, table })) : [{ action }];
  }
  return [{ action }];
}

export function recordAwsCalls(): {
  actions: Set<string>;
  counts: Map<string, number>;
  calls: RecordedCall[];
  stop: () => void;
} {
  const actions = new Set<string>();
  /** calls per API operation, as sent (a transaction counts once, as TransactWriteItems) */
  const counts = new Map<string, number>();
  const calls: RecordedCall[] = [];
  const proto = Client.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const original = proto.send;
  proto.send = function (this: object, command: unknown, ...rest: unknown[]) {
    const clientName = this.constructor.name;
    const prefix = PREFIX[clientName];
    if (prefix) {
      const name = (command as object).constructor.name.replace(/Command$/, '');
      const operation = clientName === 'DynamoDBDocumentClient' ? (DOCUMENT_OPERATIONS[name] ?? name) : name;
      const action = `${prefix}:${operation}`;
      counts.set(action, (counts.get(action) ?? 0) + 1);
      for (const call of authorised(action, ((command as { input?: Input }).input ?? {}) as Input)) {
        calls.push(call);
        actions.add(call.action);
      }
    }
    return original.call(this, command, ...rest);
  };
  return { actions, counts, calls, stop: () => (proto.send = original) };
}
