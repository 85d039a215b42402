// Lets the records of one SQS batch share Route 53 calls: each record's (idempotent) processing joins with the
// service names it touched and waits; once every record has joined or finished, one sync runs for all names and
// each waiter gets the outcomes of its own names. A record that never joins (bad input, duplicate) just leaves.
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';

export class SyncBarrier {
  private readonly arrived = new Set<string>();
  private readonly requests: SyncRequest[] = [];
  private flushed?: Promise<Map<string, SyncOutcome>>;
  private release!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.release = resolve));

  constructor(
    private readonly participants: Set<string>,
    private readonly backend: DirectoryBackend,
    private readonly deadline: number,
  ) {
    if (participants.size === 0) this.release();
  }

  /** Registers names to sync and resolves with their outcomes once the shared sync has run. */
  async join(participant: string, requests: SyncRequest[]): Promise<Map<string, SyncOutcome>> {
    this.requests.push(...requests);
    this.arrive(participant);
    await this.ready;
    this.flushed ??= this.backend.sync(this.requests, { deadline: this.deadline });
    const all = await this.flushed;
    return new Map(requests.map((r) => [r.serviceName, all.get(r.serviceName) ?? { status: 'ok', changed: false }]));
  }

  /** Marks a participant done (whether or not it joined). Call it in a finally block. */
  leave(participant: string): void {
    this.arrive(participant);
  }

  private arrive(participant: string): void {
    if (!this.participants.has(participant)) return;
    this.arrived.add(participant);
    if (this.arrived.size === this.participants.size) this.release();
  }
}
