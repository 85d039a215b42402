// Stops the moto_server started by global-setup.ts (its whole process group) and removes the state file.
// Prints nothing: the summary reporter's line must stay the last line of the run.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { alive, motoStateFile, type MotoState } from './moto';

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env.ECS_SD_MOTO_STATE ?? motoStateFile(process.pid);
  if (!existsSync(stateFile)) return;
  let state: MotoState | undefined;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as MotoState;
  } catch {
    state = undefined;
  }
  if (state?.pid) {
    const { pid } = state;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) signalGroup(pid, 'SIGKILL');
  }
  rmSync(stateFile, { force: true });
  delete process.env.MOTO_URL;
  delete process.env.ECS_SD_MOTO_STATE;
}
