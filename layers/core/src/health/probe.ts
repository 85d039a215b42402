// One health probe: an HTTP GET (healthy when the status is in the configured ranges, 2xx by default) or a TCP
// connect, bounded by a timeout. Addresses must be IP literals: a probe never resolves a name, so it can only
// reach the addresses the checker took from ECS. No keep-alive, no redirects, the body is not read.
import { request } from 'node:http';
import { isIP, Socket } from 'node:net';
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
    const req = request({
      host: probe.ip,
      port: probe.port,
      path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'ecs-service-discovery-health-checker', connection: 'close', accept: '*/*' },
    });
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
    socket.connect({ host: probe.ip, port: probe.port });
  });
}

/** Builds the prober used in production: real sockets, the configured healthy statuses. */
export function createProber(healthyStatus: StatusRange[]): Prober {
  return async (probe) => {
    const started = Date.now();
    const done = (ok: boolean, result: string): ProbeResult => ({ ok, result, durationMs: Date.now() - started });
    if (isIP(probe.ip) === 0) return done(false, 'not an IP address (not probed)');
    if (!Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) return done(false, 'invalid port');
    try {
      if (probe.check.kind === 'tcp') {
        await tcpProbe(probe);
        return done(true, 'connected');
      }
      const outcome = await httpProbe(probe, probe.check.path, healthyStatus);
      return typeof outcome === 'number' ? done(true, `HTTP ${outcome}`) : done(false, outcome);
    } catch (error) {
      return done(false, errorResult(error, probe.timeoutMs));
    }
  };
}
