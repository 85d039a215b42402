// One health probe: an HTTP GET (healthy when the status is in the configured ranges, 2xx by default) or a TCP
// connect, bounded by a timeout. Addresses must be IP literals: a probe never resolves a name, so it can only
// reach the addresses the checker took from ECS. No keep-alive, no redirects, the body is not read.
//
// Three outcomes: passed, failed (timeout, refused, reset, unhealthy status: evidence against the task), and NOT
// SENT (notSent): the request never left this process - an address that is not an IP literal, a port outside
// 1-65535, a path or timeout the check-settings rules reject, or Node refusing the request itself (thrown by
// http.request / socket.connect, or an ERR_INVALID_* / ERR_UNESCAPED_CHARACTERS / ERR_SOCKET_BAD_PORT error).
// A probe not sent says nothing about the task, so the checker never counts it as the task's failure.
import { request } from 'node:http';
import { isIP, Socket } from 'node:net';
import { isValidCheckPath, isValidCheckTimeout } from './check-settings';
import { isHealthyStatus, type StatusRange } from './config';

export type CheckSpec = { kind: 'http'; path: string } | { kind: 'tcp' };

export interface ProbeRequest {
  ip: string;
  port: number;
  check: CheckSpec;
  timeoutMs: number;
}

export interface ProbeResult {
  ok: boolean;
  /** stable, human-readable outcome ("HTTP 200", "timed out after 2000 ms", "connection refused") */
  result: string;
  durationMs: number;
  /** set (with ok false) when the probe could not be sent: no evidence about the task either way */
  notSent?: true;
}

/** Node's own refusals of a request (bad arguments), as opposed to network or server failures. */
export function isNotSentError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('ERR_INVALID_') || code === 'ERR_UNESCAPED_CHARACTERS' || code === 'ERR_SOCKET_BAD_PORT')
  );
}

/** Marks an error raised synchronously by http.request / socket.connect: the request was never sent. */
class NotSentError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'NotSentError';
  }
}

const notSentReason = (error: unknown) => {
  const cause = error instanceof NotSentError ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException)?.code;
  return `not sent: ${code ? `${code} ` : ''}${(cause as Error)?.message ?? String(cause)}`;
};

/** Why a probe cannot be sent as asked, before any I/O; undefined when it can. */
export function unsendableReason(probe: ProbeRequest): string | undefined {
  if (isIP(probe.ip) === 0) return 'not sent: not an IP address';
  if (!Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) return 'not sent: invalid port';
  if (!isValidCheckTimeout(probe.timeoutMs / 1000)) return 'not sent: invalid timeout';
  if (probe.check.kind === 'http' && (probe.check.path === '' || !isValidCheckPath(probe.check.path))) {
    return 'not sent: invalid HTTP path';
  }
  return undefined;
}

export type Prober = (probe: ProbeRequest) => Promise<ProbeResult>;

const hostPort = (ip: string, port: number) => (isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);

export function describeCheck(probe: Pick<ProbeRequest, 'ip' | 'port' | 'check'>): string {
  return probe.check.kind === 'http'
    ? `HTTP GET http://${hostPort(probe.ip, probe.port)}${probe.check.path}`
    : `TCP ${hostPort(probe.ip, probe.port)}`;
}

function errorResult(error: unknown, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'PROBE_TIMEOUT':
      return `timed out after ${timeoutMs} ms`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return code ? `error ${code}` : `error: ${(error as Error)?.message ?? String(error)}`;
  }
}

const timeoutError = () => Object.assign(new Error('probe timed out'), { code: 'PROBE_TIMEOUT' });

function httpProbe(probe: ProbeRequest, path: string, healthyStatus: StatusRange[]): Promise<string | number> {
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request({
        host: probe.ip,
        port: probe.port,
        path,
        method: 'GET',
        agent: false,
        headers: { 'user-agent': 'ecs-service-discovery-health-checker', connection: 'close', accept: '*/*' },
      });
    } catch (error) {
      reject(new NotSentError(error));
      return;
    }
    const timer = setTimeout(() => req.destroy(timeoutError()), probe.timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      res.destroy();
      req.destroy();
      resolve(isHealthyStatus(healthyStatus, status) ? status : `HTTP ${status}`);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

function tcpProbe(probe: ProbeRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => socket.destroy(timeoutError()), probe.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    try {
      socket.connect({ host: probe.ip, port: probe.port });
    } catch (error) {
      clearTimeout(timer);
      socket.destroy();
      reject(new NotSentError(error));
    }
  });
}

/** Builds the prober used in production: real sockets, the configured healthy statuses. */
export function createProber(healthyStatus: StatusRange[]): Prober {
  return async (probe) => {
    const started = Date.now();
    const done = (ok: boolean, result: string): ProbeResult => ({ ok, result, durationMs: Date.now() - started });
    const notSent = (result: string): ProbeResult => ({ ...done(false, result), notSent: true });
    const unsendable = unsendableReason(probe);
    if (unsendable) return notSent(unsendable);
    try {
      if (probe.check.kind === 'tcp') {
        await tcpProbe(probe);
        return done(true, 'connected');
      }
      const outcome = await httpProbe(probe, probe.check.path, healthyStatus);
      return typeof outcome === 'number' ? done(true, `HTTP ${outcome}`) : done(false, outcome);
    } catch (error) {
      if (error instanceof NotSentError || isNotSentError(error)) return notSent(notSentReason(error));
      return done(false, errorResult(error, probe.timeoutMs));
    }
  };
}
