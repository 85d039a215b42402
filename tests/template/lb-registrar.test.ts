// template.yaml as the LB registrar's contract: the rule reaches the function, failures land in an encrypted queue,
// IAM grants exactly what lb/ calls, the optional trail logs what the rule needs.
import { loadTemplate, type Template } from '../support/template';

const template = loadTemplate();
const resources: Record<string, Template> = template.Resources;
const parameters: Record<string, Template> = template.Parameters;
const fn = resources.LbRegistrarFunction;
const zoneArn = {
  'Fn::Sub': [
    'arn:${AWS::Partition}:route53:::hostedzone/${ZoneId}',
    { ZoneId: { 'Fn::If': ['CreateHostedZone', { Ref: 'PrivateHostedZone' }, { Ref: 'HostedZoneId' }] } },
  ],
};
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe('LbRegistrarFunction', () => {
  it('is built like the task registrar (esbuild, same options, only @ecs-sd/core external) and uses SharedLayer', () => {
    expect(fn.Metadata).toEqual({
      ...resources.TaskRegistrarFunction.Metadata,
      BuildProperties: { ...resources.TaskRegistrarFunction.Metadata.BuildProperties, EntryPoints: ['functions/lb-registrar/index.ts'] },
    });
    expect(fn.Properties).toMatchObject({ CodeUri: './', Handler: 'index.handler', Layers: [{ Ref: 'SharedLayer' }] });
  });

  it('gets LB_RECORD_TYPE from LbRecordType and names its Powertools service; the rest comes from Globals', () => {
    expect(fn.Properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'lb-registrar',
      LB_RECORD_TYPE: { Ref: 'LbRecordType' },
    });
    expect(parameters.LbRecordType).toMatchObject({ Type: 'String', Default: 'CNAME', AllowedValues: ['CNAME', 'ALIAS'] });
  });

  it('logs to its own log group', () => {
    expect(resources[fn.Properties.LoggingConfig.LogGroup.Ref]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: { Ref: 'LogRetentionInDays' } },
    });
  });

  it('IAM: exactly what the LB registrar calls, on the narrowest resources IAM allows', () => {
    const statements: Template[] = fn.Properties.Policies.flatMap((p: Template) => p.Statement);
    const grants = statements.flatMap((s) => list(s.Action as string | string[]).map((a) => [a, s.Resource]));
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(grants).toEqual(expect.arrayContaining([
      ['route53:ChangeResourceRecordSets', zoneArn],
      ['route53:ListResourceRecordSets', zoneArn],
      ['elasticloadbalancing:DescribeTargetGroups', '*'],
      ['elasticloadbalancing:DescribeLoadBalancers', '*'],
      ['dynamodb:GetItem', { 'Fn::GetAtt': ['StateTable', 'Arn'] }],
      ['dynamodb:PutItem', { 'Fn::GetAtt': ['StateTable', 'Arn'] }],
      ['dynamodb:GetItem', { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
      ['dynamodb:PutItem', { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
      ['dynamodb:UpdateItem', { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
      ['dynamodb:DeleteItem', { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
      ['sqs:SendMessage', { 'Fn::GetAtt': ['LbEventsDeadLetterQueue', 'Arn'] }],
    ]));
    expect(grants).toHaveLength(11);
    // no ECS or EC2 access: the registrar never reads the cluster, and never the ELB API on delete
    expect(grants.filter(([a]) => /^(ecs|ec2):/.test(a as string))).toEqual([]);
  });

  it('is not given a SAM EventInvokeConfig (whose SQS destination would attach sqs:SendMessage*)', () => {
    expect(fn.Properties.EventInvokeConfig).toBeUndefined();
  });
});

describe('asynchronous failures never vanish', () => {
  it('Lambda retries twice, then sends the event to LbEventsDeadLetterQueue', () => {
    expect(resources.LbRegistrarEventInvokeConfig).toEqual({
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'LbRegistrarFunction' },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['LbEventsDeadLetterQueue', 'Arn'] } } },
      },
    });
  });

  it('the queue is encrypted and keeps messages 14 days', () => {
    expect(resources.LbEventsDeadLetterQueue.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  it('events EventBridge cannot hand to Lambda go to the same queue, which only this rule may use', () => {
    const [target] = resources.LbServiceChangeRule.Properties.Targets;
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': ['LbRegistrarFunction', 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['LbEventsDeadLetterQueue', 'Arn'] } },
    });
    expect(resources.LbEventsDeadLetterQueuePolicy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['LbServiceChangeRule', 'Arn'] } } },
      }),
    ]);
  });

  it('only the rule may invoke the function', () => {
    expect(resources.LbServiceChangeRulePermission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['LbRegistrarFunction', 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['LbServiceChangeRule', 'Arn'] },
    });
  });
});

describe('optional CloudTrail trail (CreateCloudTrail)', () => {
  const trailResources = ['CloudTrailBucket', 'CloudTrailBucketPolicy', 'ManagementEventsTrail'];

  it('is off by default and every trail resource depends on it', () => {
    expect(parameters.CreateCloudTrail).toMatchObject({ Type: 'String', Default: 'false', AllowedValues: ['false', 'true'] });
    expect(template.Conditions.CreateTrail).toEqual({ 'Fn::Equals': [{ Ref: 'CreateCloudTrail' }, 'true'] });
    for (const id of trailResources) expect({ [id]: resources[id].Condition }).toEqual({ [id]: 'CreateTrail' });
    expect(template.Outputs.ManagementEventsTrailArn.Condition).toBe('CreateTrail');
  });

  it('logs write management events of this Region, with log file validation', () => {
    expect(resources.ManagementEventsTrail.Properties).toMatchObject({
      IsLogging: true,
      IsMultiRegionTrail: false,
      EnableLogFileValidation: true,
      EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
      S3BucketName: { Ref: 'CloudTrailBucket' },
    });
    expect(resources.ManagementEventsTrail.DependsOn).toBe('CloudTrailBucketPolicy');
  });

  it('writes to an encrypted, private bucket that only this trail may write to', () => {
    expect(resources.CloudTrailBucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const trailArn = 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${AWS::StackName}-ecs-service-calls';
    expect(resources.ManagementEventsTrail.Properties.TrailName).toEqual({ 'Fn::Sub': '${AWS::StackName}-ecs-service-calls' });
    for (const statement of resources.CloudTrailBucketPolicy.Properties.PolicyDocument.Statement) {
      expect(statement.Principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(statement.Condition.StringEquals['aws:SourceArn']).toEqual({ 'Fn::Sub': trailArn });
    }
  });
});
