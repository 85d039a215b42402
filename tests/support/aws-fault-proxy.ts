// An HTTP proxy in front of moto's ECS and EC2 that can fail chosen calls as AWS does, or rewrite an answer the way
// ECS would give it where moto cannot (networkBindings filled in later, a DescribeTasks answer that leaves a task
// out). Everything else is forwarded to moto untouched.
//
//   const proxy = await startAwsFaultProxy({ upstream: motoUrl() });
//   process.env.AWS_ENDPOINT_URL_ECS = proxy.url; process.env.AWS_ENDPOINT_URL_EC2 = proxy.url; resetClients();
//   proxy.injectFault({ operation: 'DescribeContainerInstances', code: 'ThrottlingException', times: 1000 });
//
// ECS speaks JSON 1.1 (X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>, errors as {"__type", "message"});
// EC2 speaks the query protocol (Action=<Operation> in a form body, errors as <Response><Errors><Error>).
// Bounded: the server is unref'd and closes itself after `lifetimeMs` at the latest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resetClients } from '@ecs-sd/core';
import { readBody, startLoopbackServer } from './loopback-server';
import { httpCall } from './moto';

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';

export interface Fault {
  /** API operation, e.g. DescribeContainerInstances (ECS) or DescribeInstances (EC2) */
  operation: string;
  /** error code AWS answers with, e.g. ThrottlingException, AccessDeniedException, UnauthorizedOperation */
  code: string;
  /** HTTP status; default 400 (ECS) / 400 (EC2 client errors), use 5xx for server errors */
  status?: number;
  message?: string;
  /** how many matching calls fail; default 1 */
  times?: number;
  /** fail only calls whose raw request body contains this text (e.g. one container instance ARN) */
  bodyIncludes?: string;
}

export type Rewrite = (answer: Record<string, unknown>, request: Record<string, unknown>) => Record<string, unknown>;

export interface AwsFaultProxy {
  readonly url: string;
  injectFault(fault: Fault): void;
  /** rewrites every successful JSON answer of an ECS operation until cleared */
  rewrite(operation: string, fn: Rewrite): void;
  clear(): void;
  /** calls seen, by operation */
  count(operation: string): number;
  close(): Promise<void>;
}

const FORWARDED_RESPONSE_HEADERS = ['content-type', 'x-amzn-requestid', 'x-amzn-errortype'];

function operationOf(req: IncomingMessage, body: string): { service: 'ecs' | 'ec2' | 'other'; operation: string } {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (target.startsWith(ECS_TARGET)) return { service: 'ecs', operation: target.slice(ECS_TARGET.length) };
  const action = new URLSearchParams(body).get('Action');
  return action ? { service: 'ec2', operation: action } : { service: 'other', operation: '' };
}

export async function startAwsFaultProxy(options: { upstream: string; lifetimeMs?: number }): Promise<AwsFaultProxy> {
  const upstream = options.upstream.replace(/\/+$/, '');
  let faults: (Fault & { left: number })[] = [];
  let rewrites = new Map<string, Rewrite>();
  const counts = new Map<string, number>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const text = body.toString('utf8');
    const { service, operation } = operationOf(req, text);
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const fault = faults.find(
      (f) => f.left > 0 && f.operation === operation && (f.bodyIncludes === undefined || text.includes(f.bodyIncludes)),
    );
    if (fault) {
      fault.left--;
      const message = fault.message ?? `injected ${fault.code}`;
      const status = fault.status ?? 400;
      if (service === 'ec2') {
        res
          .writeHead(status, { 'content-type': 'text/xml' })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${fault.code}</Code>` +
              `<Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`,
          );
      } else {
        res
          .writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.code })
          .end(JSON.stringify({ __type: fault.code, message }));
      }
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !['host', 'connection', 'content-length'].includes(name)) headers[name] = String(value);
    }
    const answer = await httpCall(`${upstream}${req.url ?? '/'}`, { method: req.method, headers, body });
    const outHeaders: Record<string, string> = {};
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      if (answer.headers[name] !== undefined) outHeaders[name] = String(answer.headers[name]);
    }
    const rewrite = service === 'ecs' ? rewrites.get(operation) : undefined;
    if (rewrite && answer.status === 200) {
      const rewritten = rewrite(JSON.parse(answer.body) as Record<string, unknown>, JSON.parse(text || '{}'));
      res.writeHead(200, outHeaders).end(JSON.stringify(rewritten));
      return;
    }
    res.writeHead(answer.status, outHeaders).end(answer.body);
  }

  const server = await startLoopbackServer('aws fault proxy', handle, options.lifetimeMs ?? 600_000);
  return {
    url: server.url,
    injectFault: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    rewrite: (operation, fn) => rewrites.set(operation, fn),
    clear: () => {
      faults = [];
      rewrites = new Map();
    },
    count: (operation) => counts.get(operation) ?? 0,
    close: server.close,
  };
}

/** Registers beforeAll/afterAll hooks that route the calling file's ECS and EC2 calls through a fault proxy. */
export function useAwsFaultProxy(upstream: () => string): () => AwsFaultProxy {
  let proxy: AwsFaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startAwsFaultProxy({ upstream: upstream() });
    process.env.AWS_ENDPOINT_URL_ECS = proxy.url;
    process.env.AWS_ENDPOINT_URL_EC2 = proxy.url;
    resetClients();
  });
  afterEach(() => proxy?.clear());
  afterAll(async () => {
    await proxy?.close();
    proxy = undefined;
    process.env.AWS_ENDPOINT_URL_ECS = upstream();
    process.env.AWS_ENDPOINT_URL_EC2 = upstream();
    resetClients();
  });
  return () => {
    if (!proxy) throw new Error('the fault proxy runs only between the beforeAll and afterAll of useAwsFaultProxy()');
    return proxy;
  };
}
