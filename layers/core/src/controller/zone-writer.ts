// One writer per hosted zone at a time. Route 53 serialises the changes to a zone anyway (PriorRequestNotComplete),
// and concurrent writers planning from their own reads only collide on the same names; so every function changes
// state (marking the names it touched dirty, state/dirty-names.ts) and then asks the zone writer to drain. The
// first to take the zone's lease (state/run-lease.ts, in the state table) drains every dirty name, from every
// invocation, in as few change batches as the limits allow, and repeats until nothing is dirty; the others return
// at once, their marks durable, their names drained by the holder.
//
// Why a lease in the state table: it needs no extra resource, works with the SQS event source's concurrency
// (MaximumConcurrency >= 2) and with the scheduled functions, and a holder that dies holds it only until its
// invocation would have ended. (Reserved concurrency 1 would serialise event processing too; an SQS FIFO queue with
// the zone as message group would need a second queue; DynamoDB Streams would add a function and latency.)
//
// No mark is ever stranded: a maker's marks are durable before it asks to drain; if the lease is held it hands off
// (controller/zone-lease.ts: a flag the holder must see before it can release), so the holder runs one more round.
// A holder does not chase marks of invocations still processing their batch: each of those drains (or hands off)
// when its own batch is done, so a burst costs about one change batch per invocation, not one per poll.
// A holder that runs out of time, or whose writes keep failing, leaves the marks for the next drain (the next
// registrar invocation, or the health checker's run every minute).
//
// The Route 53 backend plans from what its container last wrote (backends/route53/known-sets.ts); the lease item
// names the last writer, so a holder whose memory is older than another container's write forgets it first and
// none of its writes is rejected for our own concurrency.
import { randomUUID } from 'node:crypto';
import { countMetric, logger, metrics, MetricUnit } from '../observability';
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';
import { DirtyNames, type DirtyMark } from '../state/dirty-names';
import { ZoneLease } from './zone-lease';

export interface ZoneWriterOptions {
  tableName: string;
  /** applies one round of names (the Route 53 backend) */
  provider: DirectoryBackend & { forgetRemembered?: () => void };
  /** test hook: runs after a round, before the lease is released */
  beforeRelease?: () => Promise<void>;
}

export interface DrainResult {
  /** outcome per name synced by this drain (names drained by another writer are absent) */
  outcomes: Map<string, SyncOutcome>;
  /** whether this invocation held the zone's lease at all */
  held: boolean;
  /** change rounds run */
  rounds: number;
  /** whether this invocation handed its marks to the holder */
  handedOff: boolean;
}

export class ZoneWriter implements DirectoryBackend {
  readonly name: string;
  /** this writer (one per container): the lease owner and `lastWriter` */
  readonly id = randomUUID();
  private readonly marks: DirtyNames;
  private readonly lease: ZoneLease;
  constructor(private readonly options: ZoneWriterOptions) {
    this.name = `zone-writer(${options.provider.name})`;
    this.marks = new DirtyNames(options.tableName);
    this.lease = new ZoneLease(options.tableName, this.id);
  }

  /**
   * Marks the requested names dirty and drains the zone (or hands the drain to the holder).
   * @returns per requested name: the outcome of this drain's sync, or `deferred` when the holder will apply it (or
   *   time ran out): the mark stays until a drain syncs the name
   */
  async sync(
    requests: SyncRequest[],
    { deadline, waitForLeaseMs }: { deadline: number; waitForLeaseMs?: number },
  ): Promise<Map<string, SyncOutcome>> {
    const names = [...new Set(requests.map((r) => r.serviceName))];
    if (names.length > 0) await this.marks.mark(names, deadline);
    const { outcomes } = await this.drain(deadline, { waitForLeaseMs });
    return new Map(
      names.map((name) => [
        name,
        outcomes.get(name) ?? { status: 'deferred', reason: 'marked dirty; the zone writer applies it' },
      ]),
    );
  }

  /** The names still marked dirty (their records may not reflect the state yet). */
  async pendingNames(deadline: number): Promise<Set<string>> {
    return new Set((await this.marks.list(deadline)).flatMap((m) => m.names));
  }

  /**
   * Drains every dirty name if this invocation can take the zone's lease; otherwise hands off to the holder (or,
   * with `waitForLeaseMs`, first waits that long for the lease: the scheduled functions want the outcome).
   * @param deadline epoch ms: no round starts after it, and the lease lasts until it at most
   */
  async drain(deadline: number, options: { waitForLeaseMs?: number } = {}): Promise<DrainResult> {
    const result: DrainResult = { outcomes: new Map(), held: false, rounds: 0, handedOff: false };
    if ((await this.marks.list(deadline)).length === 0) return result;
    const waitUntil = Math.min(deadline, Date.now() + (options.waitForLeaseMs ?? 0));
    for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
      const taken = await this.lease.acquire(deadline, deadline);
      if (!taken) {
        if (Date.now() + 250 < waitUntil) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          continue;
        }
        if (await this.lease.handOff(deadline)) {
          countMetric('ZoneWriterHandOffs');
          result.handedOff = true;
          return result;
        }
        continue; // released meanwhile: take it
      }
      result.held = true;
      if (taken.lastWriter !== undefined && taken.lastWriter !== this.id) this.options.provider.forgetRemembered?.();
      for (;;) {
        try {
          await this.round(deadline, result);
          await this.options.beforeRelease?.();
        } catch (error) {
          // A failed drain gives the lease back at once; its marks stay for the next drain.
          await this.lease.release({ force: true, deadline }).catch(() => undefined);
          throw error;
        }
        const outOfTime = Date.now() >= deadline;
        const released = await this.lease.release({ force: outOfTime, deadline });
        if (outOfTime || released !== 'pending') return result;
      }
    }
    return result;
  }

  /** One round: every dirty name synced once, the marks of the synced ones cleared. True when the zone changed. */
  private async round(deadline: number, result: DrainResult): Promise<boolean> {
    const marks = await this.marks.list(deadline);
    if (marks.length === 0) return false;
    result.rounds++;
    const byName = new Map<string, DirtyMark[]>();
    for (const mark of marks) {
      for (const name of mark.names) (byName.get(name) ?? byName.set(name, []).get(name)!).push(mark);
    }
    const requests: SyncRequest[] = [...byName].map(([serviceName, list]) => ({
      serviceName,
      touchedTasks: list.flatMap((m) => (m.taskId ? [{ taskId: m.taskId }] : [])),
    }));
    const outcomes = await this.options.provider.sync(requests, { deadline });
    const failedNames = new Set<string>();
    const left: { serviceName: string; reason?: string }[] = [];
    let changed = false;
    const now = Date.now();
    for (const [name, list] of byName) {
      const outcome = outcomes.get(name) ?? { status: 'retry', reason: 'no outcome' };
      result.outcomes.set(name, outcome);
      if (outcome.status === 'retry' || outcome.status === 'deferred') {
        failedNames.add(name);
        left.push({ serviceName: name, reason: outcome.reason });
        continue;
      }
      if (outcome.status === 'ok' && outcome.changed) {
        changed = true;
        // From the oldest ECS event behind the name's marks to this write (repairs without an event are left out).
        const times = list.flatMap((m) => (m.eventTime === undefined ? [] : [m.eventTime]));
        if (times.length > 0) {
          metrics.addMetric('EventToDnsLatency', MetricUnit.Milliseconds, Math.max(0, now - Math.min(...times)));
        }
      }
    }
    // A mark is cleared once all its names synced (a name that did not keeps the whole mark for the next drain).
    const done = marks.filter((m) => m.names.every((name) => !failedNames.has(name)));
    if (left.length > 0) {
      countMetric('DirtyNamesLeft', left.length);
      logger.warn('Names stay dirty: their sync did not complete; a later drain syncs them from state', {
        failures: left.slice(0, 20),
        count: left.length,
      });
    }
    if (done.length > 0) await this.marks.clear(done, deadline);
    return changed;
  }
}
