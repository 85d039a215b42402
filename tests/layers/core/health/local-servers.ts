// Real HTTP and TCP servers on 127.0.0.1 for the health checker's tests. Bounded and self-stopping: every server
// is unref'd (it never keeps Jest alive), closes itself after `lifetimeMs` at the latest, and close() destroys
// open (e.g. hanging) connections.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

export type Behaviour =
  /** answer with this status, optionally after a delay */
  | { kind: 'status'; status: number; delayMs?: number }
  /** accept the connection, read the request, never answer */
  | { kind: 'hang' };

export interface LocalHttpServer {
  readonly port: number;
  /** requests received, with their paths */
  readonly paths: string[];
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

const DEFAULT_LIFETIME_MS = 120_000;

function closeServer(server: HttpServer | TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startHttpServer(
  behaviour: Behaviour = { kind: 'status', status: 200 },
  options: { lifetimeMs?: number } = {},
): Promise<LocalHttpServer> {
  let current = behaviour;
  const paths: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    const now = current;
    if (now.kind === 'hang') return;
    const answer = () => {
      if (!res.destroyed) res.writeHead(now.status, { 'content-type': 'text/plain' }).end(String(now.status));
    };
    if (now.delayMs) {
      const timer = setTimeout(answer, now.delayMs);
      timer.unref();
      timers.add(timer);
    } else answer();
  });
  server.keepAliveTimeout = 1;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  let closed: Promise<void> | undefined;
  const close = () => {
    if (!closed) {
      for (const t of timers) clearTimeout(t);
      clearTimeout(lifetime);
      closed = closeServer(server, sockets);
    }
    return closed;
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? DEFAULT_LIFETIME_MS);
  lifetime.unref();
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    behave: (b) => (current = b),
    close,
  };
}

export interface LocalTcpServer {
  readonly port: number;
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Accepts connections and holds them open, saying nothing (what a TCP check needs). */
export async function startTcpServer(options: { lifetimeMs?: number } = {}): Promise<LocalTcpServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTcpServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  let closed: Promise<void> | undefined;
  const close = () => {
    clearTimeout(lifetime);
    closed ??= closeServer(server, sockets);
    return closed;
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? DEFAULT_LIFETIME_MS);
  lifetime.unref();
  return { port: (server.address() as AddressInfo).port, connections: () => count, close };
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
