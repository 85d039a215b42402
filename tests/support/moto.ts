// Where the shared moto_server lives, and the few moto-api calls tests need (reset, pinning ECS tasks).
// global-setup.ts starts one moto_server per Jest run and records it in a state file (see motoStateFile).
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MotoState {
  url: string;
  /** moto_server's pid (its process group leader); null when an already running server was reused */
  pid: number | null;
  log?: string;
}

/** State file written by global-setup, named after the Jest main process (the parent of every test worker). */
export const motoStateFile = (jestPid: number): string => join(tmpdir(), `ecs-sd-moto-${jestPid}.json`);

export function readMotoState(): MotoState | undefined {
  const candidates = [process.env.ECS_SD_MOTO_STATE, motoStateFile(process.ppid), motoStateFile(process.pid)];
  for (const file of candidates) {
    if (file && existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as MotoState;
      } catch {
        // a half-written or foreign file: try the next candidate
      }
    }
  }
  return undefined;
}

/** Whether a process (e.g. moto_server) still exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Base URL of the shared moto_server, e.g. http://127.0.0.1:43567 (no trailing slash). */
export function motoUrl(): string {
  const url = process.env.MOTO_URL ?? readMotoState()?.url;
  if (!url) {
    throw new Error('MOTO_URL is not set: run the tests through Jest, whose globalSetup starts moto_server');
  }
  return url.replace(/\/+$/, '');
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Minimal HTTP client (node:http) shared by the support code; no retries, no redirects. */
export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP ${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

async function motoApi(path: string, body?: unknown): Promise<void> {
  const res = await httpCall(`${motoUrl()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`moto ${path} answered ${res.status}: ${res.body.slice(0, 500)}`);
}

/**
 * Clears every backend's state (POST /moto-api/reset). The whole server is shared, so this also clears state
 * that other test files created: the suite must run in band. State-manager transitions survive a reset.
 */
export async function resetMoto(): Promise<void> {
  await motoApi('/moto-api/reset');
}

/**
 * Keeps ECS tasks RUNNING: moto otherwise advances a task one status on every DescribeTasks
 * (RUNNING -> DEACTIVATING -> ... -> STOPPED). Server-wide and not undone by resetMoto().
 */
export async function pinEcsTasksRunning(): Promise<void> {
  await motoApi('/moto-api/state-manager/set-transition', {
    model_name: 'ecs::task',
    transition: { progression: 'manual', times: 1_000_000 },
  });
}

/** Restores moto's default ECS task progression (undoes pinEcsTasksRunning). */
export async function unpinEcsTasks(): Promise<void> {
  await motoApi('/moto-api/state-manager/unset-transition', { model_name: 'ecs::task' });
}
