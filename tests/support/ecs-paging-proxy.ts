// An HTTP proxy in front of moto's ECS that pages ListTasks as ECS does: at most maxResults (ECS caps it at 100, and
// 100 is its default) task ARNs per answer, with a nextToken for the rest. moto 5.2.1 ignores maxResults and
// nextToken and answers every task at once, so code that reads only the first page passes against it; behind this
// proxy it does not. Every other request is forwarded to moto untouched.
//
//   const proxy = await startEcsPagingProxy({ upstream: motoUrl() });
//   process.env.AWS_ENDPOINT_URL_ECS = proxy.url; resetClients();
//
// ECS speaks JSON 1.1: POST / with X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>. Bounded: the
// server is unref'd (it never keeps Jest alive) and closes itself after `lifetimeMs` at the latest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer } from './loopback-server';
import { httpCall } from './moto';

const LIST_TASKS = 'AmazonEC2ContainerServiceV20141113.ListTasks';
/** ListTasks' maximum (and default) page size. */
export const ECS_LIST_TASKS_MAX_RESULTS = 100;

export interface EcsPagingProxy {
  readonly url: string;
  /** ListTasks answers served, by page number (1 = first page) */
  readonly listTasksPages: () => number[];
  close(): Promise<void>;
}

const FORWARDED_RESPONSE_HEADERS = ['content-type', 'x-amzn-requestid', 'x-amzn-errortype'];

export async function startEcsPagingProxy(options: { upstream: string; lifetimeMs?: number }): Promise<EcsPagingProxy> {
  const upstream = options.upstream.replace(/\/+$/, '');
  const pages: number[] = [];

  async function forward(req: IncomingMessage, body: Buffer) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !['host', 'connection', 'content-length'].includes(name)) headers[name] = String(value);
    }
    return httpCall(`${upstream}${req.url ?? '/'}`, { method: req.method, headers, body });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.headers['x-amz-target'] !== LIST_TASKS) {
      const answer = await forward(req, body);
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        if (answer.headers[name] !== undefined) headers[name] = String(answer.headers[name]);
      }
      res.writeHead(answer.status, headers).end(answer.body);
      return;
    }
    const input = JSON.parse(body.toString('utf8') || '{}') as { maxResults?: number; nextToken?: string };
    const { maxResults, nextToken, ...filters } = input;
    const full = await forward(req, Buffer.from(JSON.stringify(filters)));
    if (full.status !== 200) {
      res.writeHead(full.status, { 'content-type': String(full.headers['content-type'] ?? 'application/x-amz-json-1.1') }).end(full.body);
      return;
    }
    const arns = (JSON.parse(full.body) as { taskArns?: string[] }).taskArns ?? [];
    const size = Math.min(maxResults ?? ECS_LIST_TASKS_MAX_RESULTS, ECS_LIST_TASKS_MAX_RESULTS);
    const offset = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
    const end = offset + size;
    pages.push(Math.floor(offset / size) + 1);
    const answer: { taskArns: string[]; nextToken?: string } = { taskArns: arns.slice(offset, end) };
    if (end < arns.length) answer.nextToken = Buffer.from(String(end), 'utf8').toString('base64');
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
  }

  const server = await startLoopbackServer('ecs paging proxy', handle, options.lifetimeMs ?? 300_000);
  return {
    url: server.url,
    listTasksPages: () => [...pages],
    close: server.close,
  };
}
