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
// No mark is ever stranded: a maker marks BEFORE it tries the lease; the holder, after releasing it, reads the
// marks again and drains anything left (re-taking the lease). So a mark made while the holder was finishing (its
// maker found the lease taken) is seen by that holder's re-read, which comes after the maker's failed attempt.
// A holder that runs out of time, or whose writes keep failing, leaves the marks for the next drain (the next
// registrar invocation, or the health checker's run every minute).
import { randomUUID } from 'node:crypto';
import { countMetric, logger, metrics, MetricUnit } from '../observability';
import type { DirectoryBackend, SyncOutcome, SyncRequest } from '../backends/backend';
import { DirtyNames, type DirtyMark } from '../state/dirty-names';
import { acquireRunLease } from '../state/run-lease';

export const ZONE_LEASE = 'zone-writer';

export interface ZoneWriterOptions {
  tableName: string;
  /** applies one round of names (the Route 53 backend) */
  provider: DirectoryBackend;
  /** test hook: runs after the last round, before the lease is released */
  beforeRelease?: () => Promise<void>;
}

export interface DrainResult {
  /** outcome per name synced by this drain (names drained by another writer are absent) */
  outcomes: Map<string, SyncOutcome>;
  /** whether this invocation held the zone's lease at all */
  held: boolean;
  /** change rounds run */
  rounds: number;
}

export class ZoneWriter implements DirectoryBackend {
  readonly name: string;
  private readonly marks: DirtyNames;
  constructor(private readonly options: ZoneWriterOptions) {
    this.name = `zone-writer(${options.provider.name})`;
    this.marks = new DirtyNames(options.tableName);
  }

  /**
   * Marks the requested names dirty and drains the zone if nobody else is draining it.
   * @returns per requested name: the outcome of this drain's sync, or `deferred` when another writer holds the zone
   *   (or time ran out): the mark stays and the name is drained later
   */
  async sync(requests: SyncRequest[], { deadline }: { deadline: number }): Promise<Map<string, SyncOutcome>> {
    const names = [...new Set(requests.map((r) => r.serviceName))];
    if (names.length > 0) await this.marks.mark(names, deadline);
    const { outcomes } = await this.drain(deadline);
    return new Map(
      names.map((name) => [
        name,
        outcomes.get(name) ?? { status: 'deferred', reason: 'marked dirty; the zone writer applies it' },
      ]),
    );
  }

  /**
   * Drains every dirty name if this invocation can take the zone's lease; otherwise returns at once.
   * @param deadline epoch ms: no round starts after it, and the lease lasts until it at most
   */
  async drain(deadline: number): Promise<DrainResult> {
    const result: DrainResult = { outcomes: new Map(), held: false, rounds: 0 };
    let marks = await this.marks.list(deadline);
    while (marks.length > 0 && Date.now() < deadline) {
      const owner = randomUUID();
      const attempt = await acquireRunLease(this.options.tableName, ZONE_LEASE, { owner, leaseUntil: deadline });
      if (!attempt.acquired) {
        countMetric('ZoneWriterBusy');
        break;
      }
      result.held = true;
      let stuck = false;
      try {
        stuck = await this.rounds(marks, deadline, result);
        await this.options.beforeRelease?.();
      } finally {
        await attempt.lease.release().catch((error) =>
          logger.warn('Could not release the zone lease; it expires by itself', { error: error as Error }),
        );
      }
      if (stuck || Date.now() >= deadline) break;
      // Marks made while we were finishing: their makers found the lease taken, so they are ours to drain.
      marks = await this.marks.list(deadline);
    }
    return result;
  }

  /** Sync rounds while marks remain; true when a round cleared nothing (only retryable failures: stop for now). */
  private async rounds(first: DirtyMark[], deadline: number, result: DrainResult): Promise<boolean> {
    let marks = first;
    while (marks.length > 0 && Date.now() < deadline) {
      result.rounds++;
      const byName = new Map<string, DirtyMark[]>();
      for (const mark of marks) (byName.get(mark.name) ?? byName.set(mark.name, []).get(mark.name)!).push(mark);
      const requests: SyncRequest[] = [...byName].map(([serviceName, list]) => ({
        serviceName,
        touchedTasks: list.flatMap((m) => (m.taskId ? [{ taskId: m.taskId }] : [])),
      }));
      const outcomes = await this.options.provider.sync(requests, { deadline });
      const done: DirtyMark[] = [];
      const now = Date.now();
      for (const [name, list] of byName) {
        const outcome = outcomes.get(name) ?? { status: 'retry', reason: 'no outcome' };
        result.outcomes.set(name, outcome);
        if (outcome.status === 'retry' || outcome.status === 'deferred') continue;
        done.push(...list);
        if (outcome.status === 'ok' && outcome.changed) {
          const oldest = Math.min(...list.map((m) => m.markedAt ?? now));
          metrics.addMetric('DirtyToDnsLatency', MetricUnit.Milliseconds, Math.max(0, now - oldest));
        }
      }
      const failed = [...byName.keys()].filter((name) => !done.some((m) => m.name === name));
      if (failed.length > 0) {
        countMetric('DirtyNamesLeft', failed.length);
        logger.warn('Names stay dirty: their sync did not complete; a later drain syncs them from state', {
          failures: failed.slice(0, 20).map((name) => {
            const outcome = result.outcomes.get(name);
            return { serviceName: name, reason: outcome && 'reason' in outcome ? outcome.reason : undefined };
          }),
          count: failed.length,
        });
      }
      if (done.length === 0) return true;
      await this.marks.clear(done, deadline);
      marks = await this.marks.list(deadline);
    }
    return false;
  }
}
