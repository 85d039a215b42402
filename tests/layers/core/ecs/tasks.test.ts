// ECS listings (ecs/tasks.ts) page through the SDK's paginators: they must stop when ECS hands back a nextToken it
// already gave (instead of listing forever) and must not call ECS once the invocation's deadline has passed.
// A small local ECS stand-in answers ListTasks with the same nextToken every time (and refuses after a cap, so a
// listing that does not stop still ends).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeadlineExceededError,
  describeTasks,
  listClusterArns,
  listRunningTaskArns,
  PagingStalledError,
  resetClients,
} from '@ecs-sd/core';
import { motoUrl } from '../../../support/moto';

const CAP = 25;
let server: Server | undefined;
let requests: string[] = [];

async function startStuckEcs(): Promise<string> {
  requests = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push(target);
      if (requests.length > CAP) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InvalidParameterException', message: 'test cap reached' }));
        return;
      }
      const body = target.endsWith('ListClusters')
        ? { clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/demo'], nextToken: 'same-token' }
        : { taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/demo/abc'], nextToken: 'same-token' };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
  process.env.AWS_ENDPOINT_URL_ECS = motoUrl();
  resetClients();
});

async function pointEcsAtStuckServer(): Promise<void> {
  process.env.AWS_ENDPOINT_URL_ECS = await startStuckEcs();
  resetClients();
}

describe('ECS listings', () => {
  it.each([
    ['ListTasks', () => listRunningTaskArns('demo', Date.now() + 30_000)],
    ['ListClusters', () => listClusterArns(Date.now() + 30_000)],
  ])('%s stops on a repeated nextToken after two pages', async (_, list) => {
    await pointEcsAtStuckServer();
    await expect(list()).rejects.toThrow(PagingStalledError);
    expect(requests).toHaveLength(2);
  });

  it.each([
    ['ListTasks', () => listRunningTaskArns('demo', Date.now() - 1)],
    ['ListClusters', () => listClusterArns(Date.now() - 1)],
    ['DescribeTasks', () => describeTasks('demo', ['arn:aws:ecs:us-east-1:123456789012:task/demo/abc'], { deadline: Date.now() - 1 })],
  ])('%s makes no call once the deadline has passed', async (_, call) => {
    await pointEcsAtStuckServer();
    await expect(call()).rejects.toThrow(DeadlineExceededError);
    expect(requests).toEqual([]);
  });
});
