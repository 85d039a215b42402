// One lazily created SDK client per service, shared by every module and reused across warm invocations.
// Endpoints come from AWS_ENDPOINT_URL_<SERVICE> (the SDK reads them), which is how tests point at moto.
// Every client is captured by the Powertools Tracer (observability.ts): with TracingMode Active each AWS call is an
// X-Ray subsegment; otherwise captureAWSv3Client returns the client unchanged.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { tracer } from '../observability';

/**
 * Connection and request timeouts of every client. The SDK's default is none: a hung endpoint would hold a call
 * (and the whole SQS batch) until Lambda kills the invocation and every message is redelivered. A request that
 * has not answered in REQUEST_TIMEOUT_MS fails with TimeoutError (transient). Calls that know the invocation
 * deadline are also aborted at it (util/deadline.ts deadlineCall). The request timeout stays under the handlers'
 * safety margin (5 s) and far under the Lambda timeouts in template.yaml (60 s; reconciler 300 s), so a call started
 * just before the deadline still ends before Lambda's; Route 53, ECS and DynamoDB pages normally answer in well under
 * a second.
 */
export const CLIENT_TIMEOUTS = {
  /** TCP (and TLS) connect, ms */
  connectionTimeoutMs: 2_000,
  /** whole request and response, ms (throwOnRequestTimeout: the SDK would otherwise only log a warning) */
  requestTimeoutMs: 4_000,
} as const;

/**
 * SDK_REQUEST_TIMEOUT_MS (1,000-60,000) replaces the request timeout for local emulators, whose pages can take
 * seconds (moto's Scan of thousands of items); production leaves it unset. Read when a client is created.
 */
function requestTimeoutMs(): number {
  const override = Number(process.env.SDK_REQUEST_TIMEOUT_MS);
  return Number.isInteger(override) && override >= 1_000 && override <= 60_000 ? override : CLIENT_TIMEOUTS.requestTimeoutMs;
}

const requestHandler = () => ({
  connectionTimeout: CLIENT_TIMEOUTS.connectionTimeoutMs,
  requestTimeout: requestTimeoutMs(),
  throwOnRequestTimeout: true,
});

type Clients = {
  route53?: Route53Client;
  ecs?: ECSClient;
  ec2?: EC2Client;
  dynamodb?: DynamoDBClient;
  documents?: DynamoDBDocumentClient;
  elb?: ElasticLoadBalancingClient;
  elbv2?: ElasticLoadBalancingV2Client;
};

let clients: Clients = {};

// Route 53 retries are owned by backends/route53/api (util/retry: deadline-aware, jittered); the SDK must not retry
// on top.
export const route53Client = (): Route53Client =>
  (clients.route53 ??= tracer.captureAWSv3Client(new Route53Client({ maxAttempts: 1, requestHandler: requestHandler() })));
export const ecsClient = (): ECSClient => (clients.ecs ??= tracer.captureAWSv3Client(new ECSClient({ requestHandler: requestHandler() })));
export const ec2Client = (): EC2Client => (clients.ec2 ??= tracer.captureAWSv3Client(new EC2Client({ requestHandler: requestHandler() })));
/** Classic ELB (AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING) and ALB/NLB (AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2). */
export const elbClient = (): ElasticLoadBalancingClient =>
  (clients.elb ??= tracer.captureAWSv3Client(new ElasticLoadBalancingClient({ requestHandler: requestHandler() })));
export const elbv2Client = (): ElasticLoadBalancingV2Client =>
  (clients.elbv2 ??= tracer.captureAWSv3Client(new ElasticLoadBalancingV2Client({ requestHandler: requestHandler() })));
/** The document client wraps this one, so its calls are traced through it. */
export const dynamoDbClient = (): DynamoDBClient =>
  (clients.dynamodb ??= tracer.captureAWSv3Client(new DynamoDBClient({ requestHandler: requestHandler() })));
export const documentClient = (): DynamoDBDocumentClient =>
  (clients.documents ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  }));

/** Tests change endpoints between files; production never calls this. */
export function resetClients(): void {
  clients = {};
}
