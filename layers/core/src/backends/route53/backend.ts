// Route 53 directory backend: read current sets -> read members -> plan (pure) -> apply; re-read and re-plan the
// names whose write raced with another writer.
//
// What is read for a service name: its head names and every set directly below `<name>.<zone>` (the per-task
// names), so the plan is a full diff of what the name should hold against what it holds: level-triggered, with
// no per-task hints from the caller. A warm container plans from what it last wrote (known-sets.ts); a write
// planned from memory that Route 53 rejects, for whatever reason, is re-read and re-planned, never dropped.
import pLimit from 'p-limit';
import { logger, countMetric } from '../../observability';
import { desiredRecords, headNamesFor, fqdn, taskRecordName, type DesiredRecords, type NamingOptions } from '../../plan/records';
import { perTaskSets, planServiceChanges, type PlanResult } from '../../plan/route53-changes';
import type { DirectoryBackend, MembersProvider, SyncOutcome, SyncRequest } from '../backend';
import { mergeRequests } from '../backend';
import { recordSetsAt, recordSetsUnder, scanZone } from './api';
import { canonicalName } from '../../parse/dns-name';
import { applyUnits } from './writer';
import { fitsOneRequest, type Unit } from './limits';
import { applyChangesToSets, KnownRecordSets } from './known-sets';
import { ZoneWriter } from '../../controller/zone-writer';
import type { Member, RecordSet } from '../../plan/records';

interface PlannedUnit extends Unit {
  current: RecordSet[];
  /** planned from what this container last wrote, not from a fresh read */
  fromMemory: boolean;
}

type Planned = PlannedUnit | 'in-sync' | { conflict: string };

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
type ZoneSnapshot = RecordSet[];

/** Whether `set` belongs to what is read for a service: its head names, or `<name>.<zone>` and below. */
function readScope(serviceName: string, options: NamingOptions): (set: RecordSet) => boolean {
  const heads = new Set(headNamesFor(serviceName, options).map(canonicalName));
  const top = canonicalName(fqdn(serviceName, options.zoneName));
  return (set) => {
    const name = canonicalName(set.name);
    return heads.has(name) || name.endsWith(`.${top}`);
  };
}

export class Route53Backend implements DirectoryBackend {
  readonly name = 'route53';
  private readonly known = new KnownRecordSets();
  constructor(private readonly options: Route53BackendOptions) {}

  /** Drops what this container remembers writing: another container has written the zone since. */
  forgetRemembered(): void {
    this.known.clear();
  }

  async sync(requests: SyncRequest[], { deadline }: { deadline: number }): Promise<Map<string, SyncOutcome>> {
    const { hostedZoneId, ownerId } = this.options;
    const outcomes = new Map<string, SyncOutcome>();
    const limit = pLimit(this.options.readConcurrency ?? 4);
    let pending = mergeRequests(requests);
    const maxRounds = this.options.maxRounds ?? 5;
    for (let round = 1; pending.length > 0; round++) {
      if (round > maxRounds || Date.now() >= deadline) {
        const reason = round > maxRounds ? 'concurrent writers kept changing the records' : 'out of time';
        for (const r of pending) outcomes.set(r.serviceName, { status: 'retry', reason });
        break;
      }
      const units: PlannedUnit[] = [];
      const zone = round === 1 ? await this.bulkRead(pending, deadline) : undefined;
      await Promise.all(
        pending.map((request) =>
          limit(async () => {
            try {
              const unit = await this.planOne(request, round === 1, deadline, zone);
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
      const racing: SyncRequest[] = [];
      for (const unit of units) {
        const outcome = applied.get(unit.key);
        const request = pending.find((r) => r.serviceName === unit.key) as SyncRequest;
        if (outcome?.status === 'applied') {
          this.known.remember(unit.key, applyChangesToSets(unit.current, unit.changes));
          outcomes.set(unit.key, { status: 'ok', changed: true });
          continue;
        }
        this.known.forget(unit.key);
        // A rejected write planned from memory says only that memory was wrong (e.g. the name became foreign):
        // re-read, and the fresh plan reports what is really there.
        if (outcome?.status === 'stale' || (outcome?.status === 'invalid' && unit.fromMemory)) racing.push(request);
        else if (outcome) outcomes.set(unit.key, outcome);
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
    const toRead = pending.filter((r) => !this.known.get(r.serviceName));
    if (toRead.length < (this.options.bulkReadMinNames ?? 8)) return undefined;
    try {
      const scan = await scanZone(this.options.hostedZoneId, { deadline, maxPages: Math.ceil(toRead.length / 3) });
      return scan.complete ? scan.sets : undefined;
    } catch (error) {
      logger.warn('Reading the whole zone failed; reading names one by one', { error: (error as Error).message });
      return undefined;
    }
  }

  /** Reads what the service's names hold: the head names and the subtree of `<name>.<zone>`. */
  private async read(serviceName: string, deadline: number, zone?: ZoneSnapshot): Promise<RecordSet[]> {
    if (zone) return zone.filter(readScope(serviceName, this.options));
    const { hostedZoneId } = this.options;
    const top = fqdn(serviceName, this.options.zoneName);
    const others = headNamesFor(serviceName, this.options).filter((n) => canonicalName(n) !== canonicalName(top));
    const reads = await Promise.all([
      recordSetsUnder(hostedZoneId, top, { deadline }),
      ...others.map((name) => recordSetsAt(hostedZoneId, name, { deadline })),
    ]);
    return reads.flat();
  }

  private async planOne(request: SyncRequest, mayUseMemory: boolean, deadline: number, zone?: ZoneSnapshot): Promise<Planned> {
    const known = mayUseMemory ? this.known.get(request.serviceName) : undefined;
    if (known) {
      const planned = await this.planFrom(known, request, true, deadline);
      // Only a write can be planned from memory: "in sync" or a conflict must be confirmed by a fresh read.
      if (typeof planned === 'object' && 'changes' in planned) {
        countMetric('Route53ReadsSaved');
        return planned;
      }
    }
    // Read the directory before the members: a member added after this read makes our CAS fail, never vanish.
    const current = await this.read(request.serviceName, deadline, zone);
    return this.planFrom(current, request, false, deadline);
  }

  private async planFrom(current: RecordSet[], request: SyncRequest, fromMemory: boolean, deadline: number): Promise<Planned> {
    const members = await this.options.members(request.serviceName, { deadline });
    const { desired, plan, blockedTasks } = planWithinOneRequest(request, members, current, this.options);
    if (blockedTasks.length > 0 && !fromMemory) {
      countMetric('OwnershipConflicts', blockedTasks.length);
      logger.error('Record name is owned by someone else; not touching it', {
        serviceName: request.serviceName,
        reason: 'per-task names hold records not written by ecs-service-discovery; those tasks are not published',
        taskIds: blockedTasks,
      });
    }
    if (desired.unpublished.length > 0) {
      countMetric('RecordSetsTruncated', desired.unpublished.length);
      logger.warn('Not every task of the service name is published: Route 53 limits', {
        serviceName: request.serviceName,
        published: desired.published.length,
        unpublished: desired.unpublished.length,
        limitedBy: desired.limitedBy,
      });
    }
    if (plan.kind === 'in-sync') return 'in-sync';
    if (plan.kind === 'conflict') return { conflict: plan.reason };
    return { key: request.serviceName, changes: plan.changes, current, fromMemory };
  }
}

/** The task ids whose per-task names the name's SRV sets point at now. */
function publishedTaskIds(current: RecordSet[], serviceName: string, zoneName: string): string[] {
  const suffix = `.${canonicalName(fqdn(serviceName, zoneName))}`;
  return current
    .filter((s) => s.type === 'SRV')
    .flatMap((s) => s.values)
    .map((value) => canonicalName(value.split(' ')[3] ?? ''))
    .filter((target) => target.endsWith(suffix))
    .map((target) => target.slice(0, -suffix.length));
}

/**
 * Pure: the plan for one service name, its published subset shrunk (largest first, by bisection) until the whole
 * atomic unit fits one ChangeResourceRecordSets request. The unit is never split: that would let another writer
 * interleave between its parts. A member whose per-task name holds records that are not ours (a CNAME, an alias,
 * a routing-policy set, another service's head) is left out (`blockedTasks`): the rest of the name still converges.
 */
export function planWithinOneRequest(
  request: SyncRequest,
  members: Member[],
  current: RecordSet[],
  options: Pick<Route53BackendOptions, 'zoneName' | 'srvNameFormat' | 'ttl' | 'hostAddressRecords' | 'ownerId'>,
): { desired: DesiredRecords; plan: PlanResult; blockedTasks: string[] } {
  const knownTaskIds = [...request.touchedTasks.map((t) => t.taskId), ...members.map((m) => m.taskId)];
  const blockedTasks = members
    .map((m) => m.taskId)
    .filter((taskId) => {
      const name = canonicalName(taskRecordName(taskId, request.serviceName, options.zoneName));
      const here = current.filter((s) => canonicalName(s.name) === name);
      const ours = perTaskSets(here, fqdn(request.serviceName, options.zoneName), [taskId]);
      return here.length > ours.length;
    });
  const publishable = blockedTasks.length > 0 ? members.filter((m) => !blockedTasks.includes(m.taskId)) : members;
  const publishedNow = new Set(publishedTaskIds(current, request.serviceName, options.zoneName));
  const planFor = (maxTasks?: number) => {
    const desired = desiredRecords(request.serviceName, publishable, options, maxTasks, publishedNow);
    const plan = planServiceChanges({ desired, current, knownTaskIds, ownerId: options.ownerId, ttl: options.ttl });
    return { desired, plan, blockedTasks };
  };
  const fits = (p: PlanResult) => p.kind !== 'changes' || fitsOneRequest(p.changes);
  const full = planFor();
  if (fits(full.plan)) return full;
  // Fitting is not monotone in the number of tasks (keeping exactly what is published changes nothing at all), so
  // the search starts from there: grow from the published members when that fits, else shrink below them.
  const kept = publishable.filter((m) => publishedNow.has(m.taskId)).length;
  const floor = planFor(kept);
  let best = floor;
  let [low, high] = [kept + 1, full.desired.published.length - 1];
  if (!fits(floor.plan)) {
    best = planFor(0);
    [low, high] = [1, kept - 1];
  }
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const attempt = planFor(middle);
    if (fits(attempt.plan)) {
      best = attempt;
      low = middle + 1;
    } else high = middle - 1;
  }
  return best;
}

/**
 * The writer every function uses: the zone writer (one drain of dirty names at a time, controller/zone-writer.ts)
 * over the Route 53 backend, wired from the shared configuration and state store.
 */
export function zoneWriterFor(
  config: Parameters<typeof route53BackendFor>[0] & { stateTableName: string },
  members: MembersProvider,
): ZoneWriter {
  return new ZoneWriter({ tableName: config.stateTableName, provider: route53BackendFor(config, members) });
}

/** The Route 53 backend, wired from the shared configuration and state store. */
export function route53BackendFor(
  config: {
    hostedZoneId: string;
    zoneName: string;
    srvNameFormat: 'plain' | 'rfc2782';
    recordTtl: number;
    ownerId: string;
    hostAddressRecords?: boolean;
  },
  members: MembersProvider,
): Route53Backend {
  return new Route53Backend({
    hostedZoneId: config.hostedZoneId,
    zoneName: config.zoneName,
    srvNameFormat: config.srvNameFormat,
    ttl: config.recordTtl,
    ownerId: config.ownerId,
    hostAddressRecords: config.hostAddressRecords,
    members,
  });
}
