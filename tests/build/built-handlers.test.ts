// The real build, run the way Lambda runs it: `npm run build` (scripts/build.mjs) into a temporary directory, the
// layers laid out under <tmp>/opt as Lambda mounts them, and each function's bundle required by a plain `node`
// child whose only module path is NODE_PATH=<tmp>/opt/nodejs/node_modules (no repository node_modules anywhere
// above it). This catches what unit tests of the TypeScript sources cannot: a function that bundled the layer's
// code, a layer that misses a dependency, an import that only resolves inside the repository, settings the
// template forgets. Nothing here talks to AWS: every SDK endpoint points at a closed local port.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTemplate, ROOT, type Template } from '../support/template';
import { buildFunctions, type BuiltFunctions } from '../support/built-functions';

const template = loadTemplate();
const resources: Record<string, Template> = template.Resources;
const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
const layers = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion');

// Parameter values for the test stack: the template's defaults, plus what a deployment must give.
const PARAMETER_VALUES: Record<string, string> = {
  DomainName: 'svc.internal',
  HostedZoneId: 'Z0123456789TESTZONE',
};
const PSEUDO: Record<string, string> = {
  'AWS::StackName': 'ecs-sd-test',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

function parameterValue(name: string): string | string[] {
  const parameter = template.Parameters?.[name];
  if (!parameter) throw new Error(`unknown parameter ${name}`);
  const value = String(PARAMETER_VALUES[name] ?? parameter.Default ?? '');
  return parameter.Type === 'CommaDelimitedList' ? value.split(',') : value;
}

/** Evaluates the intrinsic functions the template's environment uses, as CloudFormation would for this stack. */
function evaluate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(evaluate);
  if (!value || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  const [key] = Object.keys(node);
  const arg = node[key];
  switch (key) {
    case 'Ref': {
      const name = String(arg);
      if (name in PSEUDO) return PSEUDO[name];
      if (template.Parameters?.[name]) return parameterValue(name);
      if (resources[name]) return `${name}-physical-id`;
      throw new Error(`cannot resolve Ref ${name}`);
    }
    case 'Condition':
      return evaluate(template.Conditions[String(arg)]);
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return evaluate(template.Conditions[condition]) ? evaluate(whenTrue) : evaluate(whenFalse);
    }
    case 'Fn::Equals': {
      const [a, b] = (arg as unknown[]).map(evaluate);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::Not':
      return !evaluate((arg as unknown[])[0]);
    case 'Fn::And':
      return (arg as unknown[]).every((c) => evaluate(c));
    case 'Fn::Or':
      return (arg as unknown[]).some((c) => evaluate(c));
    case 'Fn::Join': {
      const [separator, items] = arg as [string, unknown];
      return (evaluate(items) as unknown[]).join(separator);
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = arg as [string, string];
      return `${id}-${attribute}`;
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
      return text.replace(/\$\{([^!}][^}]*)\}/g, (_m, name: string) =>
        String(name in vars ? evaluate(vars[name]) : evaluate({ Ref: name })));
    }
    default:
      if (key.startsWith('Fn::')) throw new Error(`the test cannot evaluate ${key}; teach evaluate() about it`);
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, evaluate(v)]));
  }
}

function environmentOf(fn: Template): Record<string, string> {
  const variables = {
    ...(template.Globals?.Function?.Environment?.Variables ?? {}),
    ...(fn.Properties.Environment?.Variables ?? {}),
  };
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(evaluate(v))]));
}

/** Runs in the child: proves isolation, requires the bundle, invokes the handler, writes the outcome to a file. */
const RUNNER = `
'use strict';
const fs = require('node:fs');
const [bundle, eventFile, resultFile] = process.argv.slice(2);
const write = (outcome) => fs.writeFileSync(resultFile, JSON.stringify(outcome));
// Only the layer may be visible: repository dependencies must not resolve from here.
for (const name of ['esbuild', 'jest', 'zod', '@aws-sdk/client-route-53', '@aws-lambda-powertools/logger']) {
  let found;
  try { found = require.resolve(name); } catch { continue; }
  write({ error: name + ' resolves to ' + found + ': the function can see more than the layer' });
  process.exit(3);
}
const layerPath = require.resolve('@ecs-sd/core');
const mod = require(bundle);
if (typeof mod.handler !== 'function') { write({ error: 'the bundle exports no handler function' }); process.exit(4); }
if (!eventFile) { write({ loaded: true, layerPath }); process.exit(0); }
const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/test',
  logStreamName: '2026/01/01/[$LATEST]test',
  getRemainingTimeInMillis: () => 30000,
  done() {}, fail() {}, succeed() {},
};
Promise.resolve()
  .then(() => mod.handler(event, context))
  .then(
    (result) => { write({ layerPath, result: result === undefined ? null : result }); process.exit(0); },
    (error) => { write({ layerPath, thrown: String(error && error.stack || error) }); process.exit(0); },
  );
`;

const malformedSqsEvent = {
  Records: [
    {
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
      body: '{"version":"0","detail-type":"ECS Task State Change","source":"aws.ecs","detail":',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '1700000000001',
      },
      messageAttributes: {},
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ecs-sd-test-TaskEventsQueue',
      awsRegion: 'us-east-1',
    },
  ],
};

let built: BuiltFunctions;
let work: string;
let layerRoot: string;
const functionDir = (id: string) => join(work, 'var', 'task', id);

beforeAll(() => {
  built = buildFunctions();
  work = built.root;
  // Nothing above the work directory may hold a node_modules that Node's resolution could fall back to.
  for (let dir = work; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dirname(dir), 'node_modules'))) throw new Error(`${dirname(dir)}/node_modules breaks isolation`);
  }
  // Lambda extracts every layer into /opt; a Node.js layer's packages end up in /opt/nodejs/node_modules.
  layerRoot = join(work, 'opt');
  for (const [id] of layers) cpSync(join(built.out, id), layerRoot, { recursive: true });
  for (const [id] of functions) cpSync(join(built.out, id), functionDir(id), { recursive: true });
  writeFileSync(join(work, 'runner.cjs'), RUNNER);
  writeFileSync(join(work, 'malformed-sqs-event.json'), JSON.stringify(malformedSqsEvent));
}, 200_000);

afterAll(() => built?.cleanup());

type Outcome = { error?: string; thrown?: string; loaded?: boolean; layerPath?: string; result?: unknown };

function invoke(id: string, fn: Template, eventFile?: string): Outcome {
  const handlerFile = String(fn.Properties.Handler).replace(/\.[^.]+$/, '');
  const resultFile = join(work, `${id}-${eventFile ? 'invoke' : 'load'}.json`);
  const child = spawnSync(
    process.execPath,
    [join(work, 'runner.cjs'), join(functionDir(id), `${handlerFile}.js`), eventFile ?? '', resultFile],
    {
      cwd: functionDir(id),
      encoding: 'utf8',
      timeout: 45_000,
      env: {
        PATH: process.env.PATH,
        TZ: ':UTC',
        NODE_PATH: join(layerRoot, 'nodejs', 'node_modules'),
        LAMBDA_TASK_ROOT: functionDir(id),
        _HANDLER: fn.Properties.Handler,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: `ecs-sd-test-${id}`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SESSION_TOKEN: 'testing',
        // Never real AWS: any call the handler makes fails fast against a closed local port.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
        ...environmentOf(fn),
      },
    },
  );
  const detail = `exit ${child.status ?? child.signal}\nstdout:\n${child.stdout}\nstderr:\n${child.stderr}`;
  if (!existsSync(resultFile)) throw new Error(`${id}: the child wrote no result (${detail})`);
  const outcome = JSON.parse(readFileSync(resultFile, 'utf8')) as Outcome;
  if (outcome.error) throw new Error(`${id}: ${outcome.error} (${detail})`);
  if (outcome.thrown) throw new Error(`${id}: the handler threw: ${outcome.thrown} (${detail})`);
  return outcome;
}

describe('SharedLayer bundle', () => {
  it('is one CommonJS package @ecs-sd/core in nodejs/node_modules that bundles the AWS SDK', () => {
    const packageDir = join(layerRoot, 'nodejs', 'node_modules', '@ecs-sd', 'core');
    expect(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))).toMatchObject({
      name: '@ecs-sd/core',
      main: 'index.js',
    });
    const code = readFileSync(join(packageDir, 'index.js'), 'utf8');
    expect(code).toContain('AmazonEC2ContainerServiceV20141113'); // the ECS client's protocol target
    expect(existsSync(join(packageDir, 'index.js.map'))).toBe(true);
  });
});

describe.each(functions)('%s, built and run as Lambda would', (id, fn) => {
  const hasSqsEvent = Object.values(fn.Properties.Events ?? {}).some((e) => (e as Template).Type === 'SQS');

  it('does not contain the layer: small, and requires @ecs-sd/core at run time', () => {
    const handlerFile = String(fn.Properties.Handler).replace(/\.[^.]+$/, '');
    const bundle = join(functionDir(id), `${handlerFile}.js`);
    const code = readFileSync(bundle, 'utf8');
    const layerSize = statSync(join(layerRoot, 'nodejs', 'node_modules', '@ecs-sd', 'core', 'index.js')).size;
    expect(code).toContain('require("@ecs-sd/core")');
    expect(code).not.toContain('AmazonEC2ContainerServiceV20141113');
    expect(statSync(bundle).size).toBeLessThan(64 * 1024);
    expect(statSync(bundle).size).toBeLessThan(layerSize / 20);
  });

  it('loads with only the layer on NODE_PATH and resolves @ecs-sd/core from /opt', () => {
    const outcome = invoke(id, fn);
    expect(outcome.loaded).toBe(true);
    expect(outcome.layerPath).toBe(join(layerRoot, 'nodejs', 'node_modules', '@ecs-sd', 'core', 'index.js'));
  });

  // The LB registrar is invoked by EventBridge directly: a failed CloudTrail call is ignored without any AWS call.
  if (id === 'LbRegistrarFunction') {
    it('ignores a failed CloudTrail call (events/cloudtrail/create-service-failed.json) without throwing', () => {
      const outcome = invoke(id, fn, join(ROOT, 'events', 'cloudtrail', 'create-service-failed.json'));
      expect(outcome.thrown).toBeUndefined();
      expect(outcome.result).toMatchObject({ outcome: 'ignored' });
    });
  }

  // Only functions fed by SQS get SQS events (a scheduled function has no such contract).
  if (hasSqsEvent) {
    it('drops a malformed SQS message without failing the batch or throwing', () => {
      const outcome = invoke(id, fn, join(work, 'malformed-sqs-event.json'));
      expect(outcome.result).toEqual({ batchItemFailures: [] });
    });
  }
});
