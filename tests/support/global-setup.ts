// Starts ONE moto_server for the whole Jest run (tests never reach real AWS).
// Order of attempts: `moto_server` on PATH, `python3 -m moto.server`, then one `pip install` try; otherwise the
// run fails loudly. Setting MOTO_URL to a running server reuses it instead (it is then left running).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, httpCall, motoStateFile, type MotoState } from './moto';

const INSTALL_HINT = 'install moto with `pip install "moto[server]==5.2.1"`';
const READY_TIMEOUT_MS = 30_000;

interface Launcher {
  command: string;
  args: string[];
}

function works(launcher: Launcher): boolean {
  const probe = spawnSync(launcher.command, [...launcher.args, '--help'], { stdio: 'ignore', timeout: 60_000 });
  return probe.status === 0;
}

function whichMotoServer(): string | undefined {
  const found = spawnSync('which', ['moto_server'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim().split('\n')[0] : '';
  return path || undefined;
}

function findLauncher(): Launcher | undefined {
  // Preferred: moto's app served serially (see moto_serial_server.py for the race it avoids).
  const candidates: Launcher[] = [{ command: 'python3', args: [join(__dirname, 'moto_serial_server.py')] }];
  const onPath = whichMotoServer();
  if (onPath) candidates.push({ command: onPath, args: [] });
  candidates.push({ command: 'python3', args: ['-m', 'moto.server'] });
  return candidates.find(works);
}

function locateOrInstallMoto(): Launcher {
  const found = findLauncher();
  if (found) return found;
  const pip = spawnSync('python3', ['-m', 'pip', 'install', '--disable-pip-version-check', 'moto[server]==5.2.1'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  const installed = pip.status === 0 ? findLauncher() : undefined;
  if (installed) return installed;
  const detail = `${pip.error?.message ?? ''}${pip.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
  throw new Error(INSTALL_HINT, { cause: new Error(`moto_server not found; pip install failed:\n${detail}`) });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await httpCall(`${url}/moto-api/`, { timeoutMs: 2_000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Kills moto servers left behind by Jest runs that died before their globalTeardown; drops old runs' logs. */
function reapOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    const match = /^ecs-sd-moto-(\d+)\.(json|log)$/.exec(name);
    if (!match || alive(Number(match[1]))) continue;
    const file = join(tmpdir(), name);
    if (match[2] === 'log') {
      rmSync(file, { force: true }); // a finished run's moto log
      continue;
    }
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as MotoState;
      if (state.pid && alive(state.pid)) process.kill(-state.pid, 'SIGKILL');
    } catch {
      // not ours or already gone
    }
    rmSync(file, { force: true });
  }
}

function logTail(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startMoto(launcher: Launcher, log: string): Promise<MotoState> {
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const fd = openSync(log, 'a');
    const child = spawn(launcher.command, [...launcher.args, '-H', '127.0.0.1', '-p', String(port)], {
      detached: true, // own process group: teardown kills the pyenv shim and python together
      stdio: ['ignore', fd, fd],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    closeSync(fd);
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
    child.on('error', (err) => (exited = err.message));
    child.unref();

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && !exited) {
      if (await answers(url)) return { url, pid: child.pid ?? null, log };
      await new Promise((r) => setTimeout(r, 150));
    }
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    lastError = exited ?? `did not answer GET ${url}/moto-api/ within ${READY_TIMEOUT_MS / 1000} s`;
  }
  throw new Error(`moto_server failed to start (${lastError}); log ${log}:\n${logTail(log)}`);
}

export default async function globalSetup(): Promise<void> {
  reapOrphans();
  const stateFile = motoStateFile(process.pid);
  let state: MotoState;
  const given = process.env.MOTO_URL?.replace(/\/+$/, '');
  if (given && (await answers(given))) {
    state = { url: given, pid: null };
  } else {
    const launcher = locateOrInstallMoto();
    const log = join(tmpdir(), `ecs-sd-moto-${process.pid}.log`);
    if (existsSync(log)) rmSync(log, { force: true });
    state = await startMoto(launcher, log);
  }
  writeFileSync(stateFile, JSON.stringify(state));
  process.env.MOTO_URL = state.url;
  process.env.ECS_SD_MOTO_STATE = stateFile;
  if (state.log) process.env.MOTO_LOG = state.log;
}
