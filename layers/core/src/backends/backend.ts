// The apply step's contract. A backend makes the directory match the registered members of each service name.
// It is level-triggered: it reads the members itself (after reading the directory, so a concurrent writer's
// newer state is never overwritten) rather than trusting deltas from the caller.
import type { Member } from '../plan/records';

export interface TouchedTask {
  taskId: string;
  /** the IP the task was registered with before this change, when it may still have per-task records */
  previousIp?: string;
}

export interface SyncRequest {
  serviceName: string;
  touchedTasks: TouchedTask[];
}

export type SyncOutcome =
  | { status: 'ok'; changed: boolean }
  /** the name is held by records we do not own: reported, never overwritten, not retried */
  | { status: 'conflict'; reason: string }
  /** the backend rejected the change as invalid: retrying the same input cannot help */
  | { status: 'invalid'; reason: string }
  /** throttled, timed out or raced too often: the caller should have the event redelivered */
  | { status: 'retry'; reason: string }
  /** marked dirty and left to the zone writer that holds the zone (controller/zone-writer.ts) */
  | { status: 'deferred'; reason: string };

/** Registered members of a service name, read consistently; `deadline` (epoch ms) bounds the read. */
export type MembersProvider = (serviceName: string, options?: { deadline?: number }) => Promise<Member[]>;

export interface DirectoryBackend {
  readonly name: string;
  /**
   * Makes the directory match the members of the requested names.
   * @param options.deadline epoch ms; options.waitForLeaseMs: how long a writer that serialises writes may wait
   *   for its turn before it hands the names over (ms)
   */
  sync(requests: SyncRequest[], options: { deadline: number; waitForLeaseMs?: number }): Promise<Map<string, SyncOutcome>>;
  /** Names whose sync is still pending (marked dirty), when the backend defers work. */
  pendingNames?(deadline: number): Promise<Set<string>>;
}

/** Merges requests for the same service name. */
export function mergeRequests(requests: SyncRequest[]): SyncRequest[] {
  const byName = new Map<string, Map<string, TouchedTask>>();
  for (const request of requests) {
    const tasks = byName.get(request.serviceName) ?? byName.set(request.serviceName, new Map()).get(request.serviceName)!;
    for (const task of request.touchedTasks) {
      const seen = tasks.get(task.taskId);
      tasks.set(task.taskId, { taskId: task.taskId, previousIp: task.previousIp ?? seen?.previousIp });
    }
  }
  return [...byName].map(([serviceName, tasks]) => ({ serviceName, touchedTasks: [...tasks.values()] }));
}
