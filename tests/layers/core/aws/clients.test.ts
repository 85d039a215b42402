// Every SDK client the application makes (aws/clients.ts) gives up on an endpoint that never answers: a request
// timeout ends each attempt with TimeoutError instead of holding the invocation until Lambda kills it.
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeLoadBalancersCommand as DescribeClassicCommand } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  documentClient,
  dynamoDbClient,
  ec2Client,
  ecsClient,
  elbClient,
  elbv2Client,
  resetClients,
  route53Client,
} from '@ecs-sd/core';
import { startHangingEndpoint, type HangingEndpoint } from '../../../support/hanging-endpoint';

const SERVICES = ['ROUTE_53', 'ECS', 'EC2', 'DYNAMODB', 'ELASTIC_LOAD_BALANCING', 'ELASTIC_LOAD_BALANCING_V2'];
let endpoint: HangingEndpoint | undefined;
const saved = new Map<string, string | undefined>();

afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  for (const [key, value] of saved) process.env[key] = value;
  resetClients();
});

describe('SDK clients against an endpoint that never answers', () => {
  it('every client fails with TimeoutError instead of waiting forever', async () => {
    endpoint = await startHangingEndpoint();
    for (const service of SERVICES) {
      saved.set(`AWS_ENDPOINT_URL_${service}`, process.env[`AWS_ENDPOINT_URL_${service}`]);
      process.env[`AWS_ENDPOINT_URL_${service}`] = endpoint.url;
    }
    resetClients();
    const calls: [string, () => Promise<unknown>][] = [
      ['Route 53', () => route53Client().send(new ListHostedZonesCommand({}))],
      ['ECS', () => ecsClient().send(new ListClustersCommand({}))],
      ['EC2', () => ec2Client().send(new DescribeInstancesCommand({}))],
      ['DynamoDB', () => dynamoDbClient().send(new ListTablesCommand({}))],
      ['DynamoDB documents', () => documentClient().send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }))],
      ['ELB', () => elbClient().send(new DescribeClassicCommand({}))],
      ['ELBv2', () => elbv2Client().send(new DescribeLoadBalancersCommand({}))],
    ];
    const outcomes = await Promise.all(
      calls.map(async ([name, call]) => {
        try {
          await call();
          return [name, 'answered'];
        } catch (error) {
          return [name, (error as Error).name];
        }
      }),
    );
    expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries(calls.map(([name]) => [name, 'TimeoutError'])));
    expect(endpoint.connections()).toBeGreaterThanOrEqual(calls.length);
  }, 30_000); // the SDK's 3 attempts, each bounded by the request timeout (4 s), and its backoff
});
