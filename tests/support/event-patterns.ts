// Proving an EventBridge rule's pattern in template.yaml: resolve it for given parameter values (a small
// CloudFormation resolver), then put it on a rule in moto's EventBridge with an SQS target (moto filters by pattern
// as AWS does), send sample events and see which arrive.
// Needs moto: MOTO_URL is set by the jest global setup (tests/support/setup-env.ts).
// Note: AWS itself refuses PutEvents with an "aws.*" source from an account; moto accepts it, which is what makes
// these tests possible.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, EventBridgeClient, PutEventsCommand,
  type PutEventsRequestEntry, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ROOT, type Template } from './template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

// ------------------------------------------------------------------------------------------------------------------
// A small CloudFormation resolver: enough intrinsics to evaluate a rule's EventPattern for given parameters.
// ------------------------------------------------------------------------------------------------------------------
const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = unknown;

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'ecs-service-discovery',
  'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/ecs-service-discovery/00000000-0000-0000-0000-000000000000`,
};

export class CfnResolver {
  private readonly params: Record<string, string | string[]> = {};
  private readonly conditions = new Map<string, boolean>();

  constructor(private readonly template: Template, values: Record<string, string>) {
    const declared = (template.Parameters ?? {}) as Obj;
    for (const name of Object.keys(values)) {
      if (!(name in declared)) throw new Error(`parameter ${name} is not declared in the template`);
    }
    for (const [name, decl] of Object.entries(declared)) {
      const raw = name in values ? values[name] : decl.Default;
      if (raw === undefined) continue; // only an error if something refers to it
      const text = String(raw);
      // CommaDelimitedList and List<...>: Ref gives a list (an empty value gives [""], as in CloudFormation)
      this.params[name] = decl.Type === 'CommaDelimitedList' || /^List</.test(String(decl.Type))
        ? text.split(',').map((s) => s.trim())
        : text;
    }
  }

  condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const def = (this.template.Conditions ?? {})[name];
    if (def === undefined) throw new Error(`unknown condition ${name}`);
    const value = this.truth(def);
    this.conditions.set(name, value);
    return value;
  }

  private truth(node: Resolved): boolean {
    const value = this.resolve(node);
    if (typeof value !== 'boolean') throw new Error(`not a condition: ${JSON.stringify(node)}`);
    return value;
  }

  private ref(name: string): Resolved {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in PSEUDO) return PSEUDO[name];
    if (name in this.params) return this.params[name];
    throw new Error(`cannot resolve Ref ${name} (no parameter value, or a resource)`);
  }

  resolve(node: Resolved): Resolved {
    if (Array.isArray(node)) return node.map((n) => this.resolve(n)).filter((n) => n !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Obj;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = obj[key];
      switch (key) {
        case 'Ref': return this.ref(arg as string);
        case 'Condition': return this.condition(arg as string);
        case 'Fn::If': {
          const [cond, whenTrue, whenFalse] = arg as [string, Resolved, Resolved];
          return this.resolve(this.condition(cond) ? whenTrue : whenFalse);
        }
        case 'Fn::Equals': {
          const [a, b] = (arg as Resolved[]).map((x) => this.resolve(x));
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case 'Fn::Not': return !this.truth((arg as Resolved[])[0]);
        case 'Fn::And': return (arg as Resolved[]).every((c) => this.truth(c));
        case 'Fn::Or': return (arg as Resolved[]).some((c) => this.truth(c));
        case 'Fn::Join': {
          const [delimiter, list] = arg as [string, Resolved];
          const items = this.resolve(list);
          if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) {
            throw new Error(`Fn::Join needs a list of strings: ${JSON.stringify(arg)}`);
          }
          return items.join(delimiter);
        }
        case 'Fn::Split': {
          const [delimiter, text] = arg as [string, Resolved];
          return String(this.resolve(text)).split(delimiter);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [Resolved, Resolved];
          return (this.resolve(list) as Resolved[])[Number(this.resolve(index))];
        }
        case 'Fn::Sub': {
          const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Obj];
          return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
            const value = name in vars ? this.resolve(vars[name]) : this.ref(name);
            if (typeof value !== 'string') throw new Error(`Fn::Sub of \${${name}}: not a string`);
            return value;
          });
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`intrinsic ${key} is not supported by this resolver`);
      }
    }
    const out: Obj = {};
    for (const [key, value] of Object.entries(obj)) {
      const resolved = this.resolve(value);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// What is sent: the sample events in events/<folder>, by name.
// ------------------------------------------------------------------------------------------------------------------
export interface Sample { name: string; event: Obj }

const EVENTS_DIR = join(ROOT, 'events');

/** Every events/<folder>/*.json, named "<folder>/<file>", in name order. */
export function samples(folder: string): Sample[] {
  return readdirSync(join(EVENTS_DIR, folder)).filter((f) => f.endsWith('.json')).sort().map((f) => ({
    name: `${folder}/${f}`,
    event: JSON.parse(readFileSync(join(EVENTS_DIR, folder, f), 'utf8')) as Obj,
  }));
}

export const names = (list: Sample[]): string[] => list.map((s) => s.name).sort();

// ------------------------------------------------------------------------------------------------------------------
// moto
// ------------------------------------------------------------------------------------------------------------------
export const MOTO_URL = process.env.MOTO_URL;
const clientConfig = {
  region: REGION,
  endpoint: MOTO_URL,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
};

function toEntry(event: Obj, bus: string): PutEventsRequestEntry {
  return {
    EventBusName: bus,
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify(event.detail),
    Resources: event.resources,
    Time: new Date(event.time as string),
  };
}

/** Receives until two polls in a row come back empty, or 20 s have passed: it always stops by itself. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + 20_000;
  let empty = 0;
  while (empty < 2 && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 120,
    }));
    empty = Messages.length === 0 ? empty + 1 : 0;
    received.push(...Messages);
  }
  return received;
}

/**
 * Creates a bus, a rule `rule` with `pattern` and an SQS target; sends `sent`; returns the names of the samples that
 * arrived (sorted) and the bodies received. Everything it created is deleted again.
 */
export async function deliver(pattern: Obj, sent: Sample[], rule = 'pattern-test'): Promise<{ arrived: string[]; bodies: Obj[] }> {
  if (!MOTO_URL) throw new Error('MOTO_URL is not set: the jest global setup starts moto_server and sets it');
  const eb = new EventBridgeClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const bus = `${rule}-${suffix}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${rule}-${suffix}` }));
  const queueUrl = QueueUrl as string;
  try {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await eb.send(new CreateEventBusCommand({ Name: bus }));
    await eb.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
    await eb.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }] }));

    const byEventId = new Map<string, string>();
    for (let i = 0; i < sent.length; i += 10) { // PutEvents takes at most 10 entries
      const batch = sent.slice(i, i + 10);
      const out = await eb.send(new PutEventsCommand({ Entries: batch.map((s) => toEntry(s.event, bus)) }));
      expect(out.FailedEntryCount ?? 0).toBe(0);
      out.Entries?.forEach((entry, j) => byEventId.set(entry.EventId as string, batch[j].name));
    }
    expect(byEventId.size).toBe(sent.length);

    const bodies = (await drain(sqs, queueUrl)).map((m) => JSON.parse(m.Body as string) as Obj);
    const arrived = bodies.map((b) => byEventId.get(b.id as string) ?? `unknown event ${b.id}`).sort();
    return { arrived, bodies };
  } finally {
    await eb.send(new RemoveTargetsCommand({ Rule: rule, EventBusName: bus, Ids: ['queue'] })).catch(() => undefined);
    await eb.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus })).catch(() => undefined);
    await eb.send(new DeleteEventBusCommand({ Name: bus })).catch(() => undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    eb.destroy();
    sqs.destroy();
  }
}
