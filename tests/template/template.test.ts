// template.yaml as a contract: build settings SAM and scripts/build.mjs rely on, references that must resolve,
// least-privilege IAM, the settings the code reads, the event pipeline's safety nets, and the SAR metadata.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadTemplate, ROOT, type Template } from '../support/template';

const template: Template = loadTemplate();
const resources: Record<string, Template> = template.Resources;
const parameters: Record<string, Template> = template.Parameters ?? {};
const conditions: Record<string, unknown> = template.Conditions ?? {};
const globals: Template = template.Globals?.Function ?? {};

const ofType = (type: string): [string, Template][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const functions = ofType('AWS::Serverless::Function');
const functionIds = functions.map(([id]) => id);

/** Environment variables a function ends up with: Globals merged with its own (SAM merges maps key by key). */
const effectiveEnv = (fn: Template): Record<string, unknown> => ({
  ...(globals.Environment?.Variables ?? {}),
  ...(fn.Properties.Environment?.Variables ?? {}),
});
const effective = (fn: Template, property: string): unknown => fn.Properties[property] ?? globals[property];

const PSEUDO_PARAMETERS = [
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId',
  'AWS::StackName', 'AWS::URLSuffix',
];

/** Depth-first walk over every value, with its path. */
function walk(value: unknown, visit: (node: unknown, path: string) => void, path = ''): void {
  visit(value, path);
  if (Array.isArray(value)) value.forEach((item, i) => walk(item, visit, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) walk(child, visit, path ? `${path}.${key}` : key);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('functions: build settings', () => {
  it('declares at least the task registrar', () => {
    expect(functionIds).toContain('TaskRegistrarFunction');
  });

  it.each(functions)('%s is built by esbuild from CodeUri ./ with EntryPoints that exist', (_id, fn) => {
    expect(fn.Metadata?.BuildMethod).toBe('esbuild');
    expect(fn.Properties.CodeUri).toBe('./');
    const entryPoints = fn.Metadata.BuildProperties.EntryPoints;
    expect(Array.isArray(entryPoints)).toBe(true);
    expect(entryPoints.length).toBeGreaterThan(0);
    for (const entry of entryPoints) {
      const path = resolve(ROOT, fn.Properties.CodeUri, entry);
      expect(existsSync(path) && statSync(path).isFile()).toBe(true);
    }
    // esbuild names the output after the (single) entry point; the Handler must point at that file.
    const handler: string = fn.Properties.Handler;
    expect(handler).toMatch(/^[\w-]+\.[\w$]+$/);
    expect(handler.split('.')[0]).toBe(basename(entryPoints[0]).replace(/\.[cm]?[jt]s$/, ''));
  });

  it.each(functions)('%s: list-valued BuildProperties are YAML lists (SAM emits --flag:item per item)', (_id, fn) => {
    const props = fn.Metadata.BuildProperties;
    for (const name of ['EntryPoints', 'External', 'Banner', 'Loader', 'OutExtension']) {
      if (props[name] !== undefined) expect({ [name]: Array.isArray(props[name]) }).toEqual({ [name]: true });
    }
    expect(props).toMatchObject({ Minify: true, Sourcemap: true, Format: 'cjs', Target: 'es2022', Platform: 'node' });
  });

  it.each(functions)('%s attaches SharedLayer and keeps only @ecs-sd/core external', (_id, fn) => {
    expect(fn.Properties.Layers).toContainEqual({ Ref: 'SharedLayer' });
    // The layer bundles the AWS SDK clients, Powertools and zod; a function that marked @aws-sdk/* external would
    // pick up whatever SDK the runtime ships instead, and bundling anything else duplicates the layer.
    expect(fn.Metadata.BuildProperties.External).toEqual(['@ecs-sd/core']);
  });

  it.each(functions)('%s runs nodejs22.x on arm64', (_id, fn) => {
    expect(effective(fn, 'Runtime')).toBe('nodejs22.x');
    expect(effective(fn, 'Architectures')).toEqual(['arm64']);
  });

  it('Globals has no Metadata (SAM does not support it there) and sets source maps', () => {
    expect(globals.Metadata).toBeUndefined();
    expect(template.Globals.Metadata).toBeUndefined();
    expect(globals.Environment.Variables.NODE_OPTIONS).toContain('--enable-source-maps');
  });
});

describe('SharedLayer', () => {
  const layer = resources.SharedLayer;

  it('is built by the root Makefile for nodejs22.x on arm64', () => {
    expect(layer.Type).toBe('AWS::Serverless::LayerVersion');
    expect(layer.Metadata).toEqual({ BuildMethod: 'makefile', BuildArchitecture: 'arm64' });
    expect(layer.Properties).toMatchObject({
      ContentUri: './',
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
    });
    const makefile = readFileSync(join(ROOT, layer.Properties.ContentUri, 'Makefile'), 'utf8');
    expect(makefile).toMatch(/^build-SharedLayer:\n\tnode scripts\/build-layer\.mjs "\$\(ARTIFACTS_DIR\)"$/m);
  });
});

describe('references', () => {
  const known = new Set([...Object.keys(parameters), ...Object.keys(resources), ...PSEUDO_PARAMETERS]);
  const problems: string[] = [];

  walk(template, (node, path) => {
    if (!isObject(node)) return;
    if (typeof node.Ref === 'string' && !known.has(node.Ref)) problems.push(`${path}: Ref ${node.Ref}`);
    if ('Fn::GetAtt' in node) {
      const [target] = asList(node['Fn::GetAtt'] as string | string[]);
      if (!resources[target]) problems.push(`${path}: GetAtt ${target}`);
    }
    if ('Fn::Sub' in node) {
      const sub = node['Fn::Sub'];
      const [text, vars] = Array.isArray(sub) ? [sub[0] as string, (sub[1] ?? {}) as object] : [sub as string, {}];
      for (const [, name] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
        const root = name.includes('::') ? name : name.split('.')[0];
        if (!(root in vars) && !known.has(root)) problems.push(`${path}: Sub \${${name}}`);
      }
    }
    if ('Fn::If' in node) {
      const [condition] = node['Fn::If'] as [string];
      if (!(condition in conditions)) problems.push(`${path}: If ${condition}`);
    }
    if (typeof node.Condition === 'string' && !(node.Condition in conditions)) {
      problems.push(`${path}: Condition ${node.Condition}`);
    }
  });
  for (const [id, resource] of Object.entries(resources)) {
    for (const dependency of asList(resource.DependsOn as string | string[] | undefined)) {
      if (!resources[dependency]) problems.push(`Resources.${id}.DependsOn: ${dependency}`);
    }
  }

  it('every Ref, GetAtt, Sub variable, If and Condition names something that exists', () => {
    expect(problems).toEqual([]);
  });
});

describe('IAM', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown };
  const statements: [string, Statement][] = [];
  for (const [id, resource] of Object.entries(resources)) {
    walk(resource.Properties ?? {}, (node) => {
      if (isObject(node) && Array.isArray(node.Statement)) {
        for (const statement of node.Statement as Statement[]) statements.push([id, statement]);
      }
    });
  }
  // Actions that have no resource-level permissions (the Service Authorization Reference lists no resource type),
  // so IAM only accepts Resource "*" for them. Add to this list only after checking that reference.
  const NO_RESOURCE_LEVEL = new Set([
    'ecs:DescribeTaskDefinition',
    'ec2:DescribeInstances',
    // LB registrar: Elastic Load Balancing (v1 and v2) Describe* actions list no resource type either.
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeLoadBalancers',
    // Reconciler: ecs:ListTasks lists container-instance as its resource type, but that applies only to a
    // ListTasks filtered by containerInstance; listing a cluster's tasks is authorised against "*" (scoped by the
    // ecs:cluster condition), as the Amazon ECS developer guide's "list tasks for a specified cluster" example shows.
    'ecs:ListTasks',
  ]);
  const zoneArn = {
    'Fn::Sub': [
      'arn:${AWS::Partition}:route53:::hostedzone/${ZoneId}',
      { ZoneId: { 'Fn::If': ['CreateHostedZone', { Ref: 'PrivateHostedZone' }, { Ref: 'HostedZoneId' }] } },
    ],
  };

  it('finds the policy statements', () => {
    expect(statements.length).toBeGreaterThan(0);
  });

  it('no statement allows a wildcard action', () => {
    const wildcards = statements.flatMap(([id, s]) => asList(s.Action).filter((a) => a.includes('*')).map((a) => `${id}: ${a}`));
    expect(wildcards).toEqual([]);
  });

  it('Resource "*" only for actions without resource-level permissions', () => {
    const broad = statements
      .filter(([, s]) => asList(s.Resource).includes('*'))
      .flatMap(([id, s]) => asList(s.Action).filter((a) => !NO_RESOURCE_LEVEL.has(a)).map((a) => `${id}: ${a}`));
    expect(broad).toEqual([]);
  });

  it('Route 53 actions are scoped to the service hosted zone only', () => {
    const route53 = statements.filter(([, s]) => asList(s.Action).some((a) => a.startsWith('route53:')));
    expect(route53.length).toBeGreaterThan(0);
    for (const [, s] of route53) expect(asList(s.Resource)).toEqual([zoneArn]);
  });

  it('function policies are inline documents (no SAM policy template or managed policy hides what is granted)', () => {
    for (const [, fn] of functions) {
      for (const policy of asList(fn.Properties.Policies)) {
        expect(isObject(policy) && Array.isArray(policy.Statement)).toBe(true);
      }
    }
  });

  it('the task registrar can read and write its tables, resolve tasks and change records', () => {
    const own = statements.filter(([id]) => id === 'TaskRegistrarFunction').map(([, s]) => s);
    const allowed = (action: string, resource: unknown) =>
      own.some((s) => s.Effect === 'Allow' && asList(s.Action).includes(action) &&
        asList(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(resource)));
    const tableActions: Record<string, string[]> = {
      StateTable: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
      IdempotencyTable: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    };
    for (const [table, actions] of Object.entries(tableActions)) {
      for (const action of actions) {
        expect({ [`dynamodb:${action} on ${table}`]: allowed(`dynamodb:${action}`, { 'Fn::GetAtt': [table, 'Arn'] }) })
          .toEqual({ [`dynamodb:${action} on ${table}`]: true });
      }
    }
    expect(allowed('route53:ChangeResourceRecordSets', zoneArn)).toBe(true);
    expect(allowed('route53:ListResourceRecordSets', zoneArn)).toBe(true);
    expect(allowed('ecs:DescribeTaskDefinition', '*')).toBe(true);
    expect(allowed('ec2:DescribeInstances', '*')).toBe(true);
    expect(allowed('ecs:DescribeContainerInstances', {
      'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:container-instance/*',
    })).toBe(true);
  });
});

describe('environment: every setting the code reads is set', () => {
  const sourceFiles = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
      : [];
  const code = [...sourceFiles(join(ROOT, 'layers', 'core', 'src')), ...sourceFiles(join(ROOT, 'functions'))]
    .map((file) => readFileSync(file, 'utf8'));
  const configSource = readFileSync(join(ROOT, 'layers', 'core', 'src', 'config.ts'), 'utf8');
  const schemaBlock = /const ConfigSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(configSource)?.[1] ?? '';
  const schemaKeys = [...schemaBlock.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]);
  // Set by the Lambda runtime itself, not by the template.
  const runtimeProvided = (name: string) => /^(AWS_|_X_AMZN_|LAMBDA_|_HANDLER$|TZ$)/.test(name);
  // For local emulators only, unset in a deployment (aws/clients.ts says why).
  const localOnly = new Set(['SDK_REQUEST_TIMEOUT_MS']);
  const readDirectly = [...new Set(code.flatMap((text) => [...text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)]
    .map((m) => m[1])))].filter((name) => !runtimeProvided(name) && !localOnly.has(name));

  const CONTRACT = [
    'STATE_TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME', 'HOSTED_ZONE_ID', 'ZONE_NAME', 'RECORD_TTL', 'SRV_NAME_FORMAT',
    'CLUSTER_ARNS', 'OWNER_ID', 'TOMBSTONE_TTL_SECONDS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE',
    'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS',
  ];

  it('finds the config schema', () => {
    expect(schemaKeys).toContain('STATE_TABLE_NAME');
  });

  it.each(functions)('%s has every variable of the contract, of loadConfig() and of process.env reads', (_id, fn) => {
    const env = effectiveEnv(fn);
    const missing = [...new Set([...CONTRACT, ...schemaKeys, ...readDirectly])].filter((name) => !(name in env));
    expect(missing).toEqual([]);
  });

  it('the task registrar names its Powertools service and points at the right resources', () => {
    const env = effectiveEnv(resources.TaskRegistrarFunction);
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'task-registrar',
      POWERTOOLS_METRICS_NAMESPACE: { Ref: 'MetricsNamespace' },
      POWERTOOLS_LOG_LEVEL: { Ref: 'LogLevel' },
      STATE_TABLE_NAME: { Ref: 'StateTable' },
      IDEMPOTENCY_TABLE_NAME: { Ref: 'IdempotencyTable' },
      HOSTED_ZONE_ID: { 'Fn::If': ['CreateHostedZone', { Ref: 'PrivateHostedZone' }, { Ref: 'HostedZoneId' }] },
      ZONE_NAME: { Ref: 'DomainName' },
      RECORD_TTL: { Ref: 'RecordTtl' },
      SRV_NAME_FORMAT: { Ref: 'SrvNameFormat' },
      CLUSTER_ARNS: { 'Fn::Join': [',', { Ref: 'ClusterArns' }] },
      OWNER_ID: { 'Fn::If': ['OwnerIdIsStackName', { Ref: 'AWS::StackName' }, { Ref: 'OwnerId' }] },
      TOMBSTONE_TTL_SECONDS: { Ref: 'TombstoneTtlSeconds' },
    });
  });
});

describe('ECS task events pipeline', () => {
  const sqsEvents = functions.flatMap(([id, fn]) =>
    Object.entries(fn.Properties.Events ?? {})
      .filter(([, e]) => (e as Template).Type === 'SQS')
      .map(([name, e]) => [id, name, e as Template, fn] as const));

  it('the task registrar consumes TaskEventsQueue', () => {
    expect(sqsEvents.map(([id, , e]) => [id, e.Properties.Queue]))
      .toContainEqual(['TaskRegistrarFunction', { 'Fn::GetAtt': ['TaskEventsQueue', 'Arn'] }]);
  });

  it.each(sqsEvents)('%s.%s reports partial batch failures and batches as configured', (_id, _name, event) => {
    expect(event.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(event.Properties.BatchSize).toEqual({ Ref: 'BatchSize' });
    expect(event.Properties.MaximumBatchingWindowInSeconds).toEqual({ Ref: 'MaximumBatchingWindowInSeconds' });
    // Lambda requires a batching window of at least 1 s when BatchSize is above 10.
    if (parameters.BatchSize.Default > 10) expect(parameters.MaximumBatchingWindowInSeconds.Default).toBeGreaterThanOrEqual(1);
  });

  it.each(sqsEvents)('%s.%s: its queue has a DLQ, SSE and a visibility timeout >= 6x the function timeout', (_id, _name, event, fn) => {
    const queueId = event.Properties.Queue['Fn::GetAtt'][0];
    const queue = resources[queueId];
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(effective(fn, 'Timeout')));
    const redrive = queue.Properties.RedrivePolicy;
    expect(redrive.maxReceiveCount).toEqual({ Ref: 'MaxReceiveCount' });
    const dlqId = redrive.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources[dlqId].Type).toBe('AWS::SQS::Queue');
    expect(resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  it('the rule sends ECS task state changes, filtered by cluster only when ClusterArns is set', () => {
    const rule = resources.TaskStateChangeRule;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { 'Fn::If': ['FilterClusters', { clusterArn: { Ref: 'ClusterArns' } }, { Ref: 'AWS::NoValue' }] },
    });
    expect(conditions.FilterClusters).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'ClusterArns' }] }, ''] }] });
    expect(rule.Properties.Targets).toEqual([{ Id: 'TaskEventsQueue', Arn: { 'Fn::GetAtt': ['TaskEventsQueue', 'Arn'] } }]);
  });

  it('only the rule may send to the queue', () => {
    const policy = resources.TaskEventsQueuePolicy;
    expect(policy.Properties.Queues).toEqual([{ Ref: 'TaskEventsQueue' }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['TaskEventsQueue', 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['TaskStateChangeRule', 'Arn'] } } },
      }),
    ]);
  });
});

describe('state tables', () => {
  it('StateTable: pk/sk strings, TTL expiresAt, PITR and SSE, on demand', () => {
    expect(resources.StateTable.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('IdempotencyTable: Powertools defaults (id, expiration), SSE, on demand', () => {
    expect(resources.IdempotencyTable.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('logs', () => {
  it.each(functions)('%s logs to its own log group with a retention', (_id, fn) => {
    const ref = fn.Properties.LoggingConfig?.LogGroup?.Ref;
    expect(resources[ref]?.Type).toBe('AWS::Logs::LogGroup');
    expect(resources[ref].Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
  });

  it('every log group has a retention', () => {
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBeDefined();
  });
});

describe('parameters', () => {
  const EXPECTED_DEFAULTS: Record<string, unknown> = {
    HostedZoneId: '', VpcId: '', ClusterArns: '', RecordTtl: 10, SrvNameFormat: 'plain', OwnerId: '', BatchSize: 100,
    MaximumBatchingWindowInSeconds: 2, MaxReceiveCount: 5, TombstoneTtlSeconds: 86400, LogLevel: 'INFO',
    LogRetentionInDays: 30,
  };

  it('have the documented defaults; DomainName is required', () => {
    for (const [name, value] of Object.entries(EXPECTED_DEFAULTS)) {
      expect({ [name]: parameters[name]?.Default }).toEqual({ [name]: value });
    }
    expect(parameters.DomainName).toBeDefined();
    expect(parameters.DomainName.Default).toBeUndefined();
    expect(parameters.ClusterArns.Type).toBe('CommaDelimitedList');
    expect(parameters.SrvNameFormat.AllowedValues).toEqual(['plain', 'rfc2782']);
  });

  it('are all described, constrained where they are free text, and placed in a console group', () => {
    const grouped = template.Metadata['AWS::CloudFormation::Interface'].ParameterGroups
      .flatMap((group: Template) => group.Parameters);
    for (const [name, parameter] of Object.entries(parameters)) {
      expect({ [name]: typeof parameter.Description }).toEqual({ [name]: 'string' });
      expect({ [name]: grouped.includes(name) }).toEqual({ [name]: true });
      if (parameter.Type === 'String') {
        expect({ [name]: Boolean(parameter.AllowedPattern || parameter.AllowedValues) }).toEqual({ [name]: true });
      }
    }
    expect(new Set(grouped).size).toBe(grouped.length);
  });

  it('defaults satisfy their own AllowedPattern', () => {
    for (const [name, parameter] of Object.entries(parameters)) {
      if (parameter.AllowedPattern && parameter.Default !== undefined) {
        expect({ [name]: new RegExp(parameter.AllowedPattern).test(String(parameter.Default)) }).toEqual({ [name]: true });
      }
    }
    expect(new RegExp(parameters.DomainName.AllowedPattern).test('svc.internal')).toBe(true);
    expect(new RegExp(parameters.DomainName.AllowedPattern).test('svc.internal.')).toBe(false);
    expect(new RegExp(parameters.HostedZoneId.AllowedPattern).test('/hostedzone/Z123')).toBe(false);
  });
});

describe('outputs', () => {
  it('expose the zone, queues, tables and functions', () => {
    const outputs = Object.keys(template.Outputs);
    expect(outputs).toEqual(expect.arrayContaining([
      'HostedZoneId', 'TaskEventsQueueUrl', 'TaskEventsDeadLetterQueueUrl', 'StateTableName', 'IdempotencyTableName',
      ...functionIds.map((id) => `${id}Arn`),
    ]));
  });
});

describe('Serverless Application Repository metadata', () => {
  const sar = template.Metadata['AWS::ServerlessRepo::Application'];
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('has the required fields in the formats SAR accepts', () => {
    expect(sar.Name).toBe('ecs-service-discovery');
    expect(sar.Author).toMatch(/^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$/);
    expect(sar.SpdxLicenseId).toBe('Apache-2.0');
    expect(sar.SemanticVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(sar.SemanticVersion).toBe(packageJson.version);
    expect(typeof sar.Description).toBe('string');
    expect(sar.Description.length).toBeLessThanOrEqual(256);
    expect(sar.Labels.length).toBeLessThanOrEqual(10);
    for (const label of sar.Labels) expect(label).toMatch(/^[a-zA-Z0-9+\-_:/@]{1,127}$/);
  });

  it('uses no intrinsic functions (SAR reads the metadata literally)', () => {
    walk(sar, (node) => {
      if (isObject(node)) expect(Object.keys(node).filter((k) => k === 'Ref' || k.startsWith('Fn::'))).toEqual([]);
    });
  });

  it('points at a LICENSE holding the Apache License 2.0 and at a README that exist', () => {
    expect(sar.LicenseUrl).toBe('LICENSE');
    expect(sar.ReadmeUrl).toBe('README.md');
    const license = readFileSync(join(ROOT, sar.LicenseUrl), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(existsSync(join(ROOT, sar.ReadmeUrl))).toBe(true);
  });
});
