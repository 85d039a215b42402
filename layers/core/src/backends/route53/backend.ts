// Route 53 directory backend: read current head sets -> read members -> plan (pure) -> apply; re-read and
// re-plan the names whose write raced with another writer.
import pLimit from 'p-limit';
import { logger, countMetric } from '../../observability';
import { desiredRecords, taskRecordName, type NamingOptions } from '../../plan/records';
import { planServiceChanges, type TaskRecordChange } from '../../plan/route53-changes';
import type { DirectoryBackend, MembersProvider, SyncOutcome, SyncRequest } from '../backend';
import { mergeRequests } from '../backend';
import { recordSet, recordSetsAt, scanZone } from './api';
import { canonicalName } from '../../parse/dns-name';
import { applyUnits } from './writer';
import type { Unit } from './limits';
import { applyChangesToSets, KnownRecordSets } from './known-sets';
import type { RecordSet } from '../../plan/records';

interface PlannedUnit extends Unit {
  headNames: string[];
  current: RecordSet[];
}

export interface Route53BackendOptions extends NamingOptions {
  hostedZoneId: string;
  ownerId: string;
  members: MembersProvider;
  /** sync rounds per invocation before a racing name is handed back for redelivery */
  maxRounds?: number;
  /** parallel reads (Route 53 allows 5 requests per second per account) */
  readConcurrency?: number;
  /** from this many names to read, try one paged read of the whole zone instead of one read per name */
  bulkReadMinNames?: number;
}

/** Record sets by canonical name, from a complete read of the zone. */
type ZoneSnapshot = Map<string, RecordSet[]>;

export class Route53Backend implements DirectoryBackend {
  readonly name = 'route53';
  private readonly known = new KnownRecordSets();
  constructor(private readonly options: Route53BackendOptions) {}

  async sync(requests: SyncRequest[], { deadline }: { deadline: number }): Promise<Map<string, SyncOutcome>> {
    const { hostedZoneId, ownerId } = this.options;
    const outcomes = new Map<string, SyncOutcome>();
    const limit = pLimit(this.options.readConcurrency ?? 4);
    let pending = mergeRequests(requests);
    const maxRounds = this.options.maxRounds ?? 5;
    for (let round = 1; pending.length > 0; round++) {
      if (round > maxRounds || Date.now() >= deadline) {
        for (const r of pending) outcomes.set(r.serviceName, { status: 'retry', reason: 'concurrent writers kept changing the records' });
        break;
      }
      const units: PlannedUnit[] = [];
      const zone = round === 1 ? await this.bulkRead(pending, deadline) : undefined;
      await Promise.all(
        pending.map((request) =>
          limit(async () => {
            try {
              const unit = await this.planOne(request, round > 1, deadline, zone);
              if (unit === 'in-sync') outcomes.set(request.serviceName, { status: 'ok', changed: false });
              else if ('conflict' in unit) {
                outcomes.set(request.serviceName, { status: 'conflict', reason: unit.conflict });
                countMetric('OwnershipConflicts');
                logger.error('Record name is owned by someone else; not touching it', {
                  serviceName: request.serviceName,
                  reason: unit.conflict,
                });
              } else units.push(unit);
            } catch (error) {
              outcomes.set(request.serviceName, { status: 'retry', reason: `read failed: ${(error as Error).message}` });
            }
          }),
        ),
      );
      const applied = await applyUnits(hostedZoneId, units, deadline);
      for (const unit of units) {
        const outcome = applied.get(unit.key);
        if (outcome?.status === 'applied') {
          this.known.remember(unit.headNames, applyChangesToSets(unit.current, unit.changes, unit.headNames));
        } else this.known.forget(unit.headNames);
      }
      const racing: SyncRequest[] = [];
      for (const request of pending) {
        const outcome = applied.get(request.serviceName);
        if (!outcome) continue;
        if (outcome.status === 'applied') outcomes.set(request.serviceName, { status: 'ok', changed: true });
        else if (outcome.status === 'stale') racing.push(request);
        else outcomes.set(request.serviceName, outcome);
      }
      if (racing.length > 0) {
        countMetric('Route53Races', racing.length);
        logger.info('Records changed under us; re-reading and re-planning', {
          serviceNames: racing.map((r) => r.serviceName),
          round,
          ownerId,
        });
      }
      pending = racing;
    }
    return outcomes;
  }

  /**
   * Many names to read (a cold container, a deployment of many services): one paged read of the whole zone (300 sets
   * a page) usually costs fewer calls than one read per name. It gives up after a page budget (a large zone) and the
   * names are then read one by one. Like any read it only seeds the compare-and-swap.
   */
  private async bulkRead(pending: SyncRequest[], deadline: number): Promise<ZoneSnapshot | undefined> {
    const toRead = pending.filter((r) => !this.known.get(desiredRecords(r.serviceName, [], this.options).headNames));
    if (toRead.length < (this.options.bulkReadMinNames ?? 8)) return undefined;
    try {
      const scan = await scanZone(this.options.hostedZoneId, { deadline, maxPages: Math.ceil(toRead.length / 3) });
      if (!scan.complete) return undefined;
      const zone: ZoneSnapshot = new Map();
      for (const set of scan.sets) {
        const name = canonicalName(set.name);
        (zone.get(name) ?? zone.set(name, []).get(name)!).push(set);
      }
      return zone;
    } catch (error) {
      logger.warn('Reading the whole zone failed; reading names one by one', { error: (error as Error).message });
      return undefined;
    }
  }

  private async planOne(
    request: SyncRequest,
    rereadTaskRecords: boolean,
    deadline: number,
    zone?: ZoneSnapshot,
  ): Promise<PlannedUnit | 'in-sync' | { conflict: string }> {
    const headNames = desiredRecords(request.serviceName, [], this.options).headNames;
    const known = rereadTaskRecords ? undefined : this.known.get(headNames);
    if (known) {
      const planned = await this.planFrom(known, request, rereadTaskRecords, deadline);
      // Only a write can be planned from memory: "in sync" or a conflict must be confirmed by a fresh read.
      if (typeof planned === 'object' && 'changes' in planned) {
        countMetric('Route53ReadsSaved');
        return planned;
      }
    }
    // Read the directory before the members: a member added after this read makes our CAS fail, never vanish.
    const current = zone
      ? headNames.flatMap((name) => zone.get(canonicalName(name)) ?? [])
      : (await Promise.all(headNames.map((name) => recordSetsAt(this.options.hostedZoneId, name, { deadline })))).flat();
    return this.planFrom(current, request, rereadTaskRecords, deadline);
  }

  private async planFrom(
    current: RecordSet[],
    request: SyncRequest,
    rereadTaskRecords: boolean,
    deadline: number,
  ): Promise<PlannedUnit | 'in-sync' | { conflict: string }> {
    const { hostedZoneId, ownerId, recordTtl } = { ...this.options, recordTtl: this.options.ttl };
    const naming: NamingOptions = this.options;
    const members = await this.options.members(request.serviceName);
    const desired = desiredRecords(request.serviceName, members, naming);
    for (const t of desired.truncated) {
      countMetric('RecordSetsTruncated');
      logger.warn('Record set capped at Route 53 limits; extra endpoints are not published', t);
    }
    const touchedTasks: TaskRecordChange[] = [];
    for (const task of request.touchedTasks) {
      const name = taskRecordName(task.taskId, request.serviceName, naming.zoneName);
      const wanted = desired.taskRecords.get(task.taskId);
      if (wanted) {
        touchedTasks.push({ taskId: task.taskId, desired: wanted });
        continue;
      }
      // After a rejected write, delete exactly what is there (TTL or IP may differ from what state remembers).
      const existing = rereadTaskRecords
        ? await recordSet(hostedZoneId, name, 'A', { deadline })
        : task.previousIp
          ? { name, type: 'A' as const, ttl: recordTtl, values: [task.previousIp] }
          : undefined;
      if (existing) touchedTasks.push({ taskId: task.taskId, existing });
    }
    const plan = planServiceChanges({ desired, current, touchedTasks, ownerId, ttl: recordTtl });
    if (plan.kind === 'in-sync') return 'in-sync';
    if (plan.kind === 'conflict') return { conflict: plan.reason };
    return { key: request.serviceName, changes: plan.changes, headNames: desired.headNames, current };
  }
}

/** The Route 53 backend every function uses, wired from the shared configuration and state store. */
export function route53BackendFor(
  config: { hostedZoneId: string; zoneName: string; srvNameFormat: 'plain' | 'rfc2782'; recordTtl: number; ownerId: string },
  members: MembersProvider,
): Route53Backend {
  return new Route53Backend({
    hostedZoneId: config.hostedZoneId,
    zoneName: config.zoneName,
    srvNameFormat: config.srvNameFormat,
    ttl: config.recordTtl,
    ownerId: config.ownerId,
    members,
  });
}
