// Makes Route 53 hold the record the stored state of one ECS service asks for (level-triggered, like the task
// registrar's backend): read the zone, then the state, plan (pure), apply one compare-and-swap unit.
//
// Concurrency: two invocations may handle events of the same service at once (out of order). The zone is read
// before the state, and after a successful write the state is read again: if its revision moved, another event
// was stored meanwhile and its writer may have planned against the zone as it was before our write, so we go
// round again. The last state written therefore always ends up in the zone, and a rejected compare-and-swap
// (someone changed the names since we read them) is re-read and re-planned.
//
// The rounds are a convergence loop, not a retry loop: a round never sleeps and never retries a failed call.
// Throttling and 5xx are retried inside backends/route53/api (util/retry, the one retry loop); a round ends on
// anything but a lost compare-and-swap or a moved state revision. Route53Backend.sync has the same shape but no
// state revision to re-check, so the two loops are kept apart.
import type { Config } from '../config';
import { recordSetsAt } from '../backends/route53/api';
import { applyUnits } from '../backends/route53/writer';
import type { Change } from '../plan/route53-changes';
import { planLbChanges, type LbNames } from './plan';
import type { LbServiceState, LbStateStore } from './state';

export type LbSyncOutcome =
  | { status: 'ok'; changed: boolean; changes: Change[] }
  | { status: 'conflict'; name: string; reason: string }
  | { status: 'invalid'; reason: string }
  | { status: 'retry'; reason: string };

export interface LbRecordSyncOptions {
  config: Pick<Config, 'hostedZoneId' | 'ownerId' | 'recordTtl'>;
  store: LbStateStore;
  /** rounds before giving up and having the event retried */
  maxRounds?: number;
}

export class LbRecordSync {
  constructor(private readonly options: LbRecordSyncOptions) {}

  async sync(
    service: { clusterArn: string; serviceName: string; serviceArn: string },
    names: LbNames,
    deadline: number,
  ): Promise<LbSyncOutcome> {
    const { config, store } = this.options;
    const maxRounds = this.options.maxRounds ?? 5;
    const applied: Change[] = [];
    for (let round = 1; round <= maxRounds && Date.now() < deadline; round++) {
      const current = (
        await Promise.all([names.name, names.ownerName].map((n) => recordSetsAt(config.hostedZoneId, n, { deadline })))
      ).flat();
      const state = await store.get(service.clusterArn, service.serviceName);
      const plan = planLbChanges({
        ...names,
        desired: wanted(state),
        current,
        ownerId: config.ownerId,
        serviceArn: service.serviceArn,
        ttl: config.recordTtl,
      });
      if (plan.kind === 'in-sync') return { status: 'ok', changed: applied.length > 0, changes: applied };
      if (plan.kind === 'conflict') return { status: 'conflict', name: plan.name, reason: plan.reason };
      const outcome = (await applyUnits(config.hostedZoneId, [{ key: names.name, changes: plan.changes }], deadline)).get(
        names.name,
      );
      if (!outcome || outcome.status === 'retry') return { status: 'retry', reason: outcome?.reason ?? 'not applied' };
      if (outcome.status === 'invalid') return { status: 'invalid', reason: outcome.reason };
      if (outcome.status === 'stale') continue;
      applied.push(...plan.changes);
      const after = await store.get(service.clusterArn, service.serviceName);
      if ((after?.revision ?? 0) === (state?.revision ?? 0)) return { status: 'ok', changed: true, changes: applied };
    }
    return { status: 'retry', reason: 'the records or the service state kept changing under us' };
  }
}

/** The record a stored state asks for: only an ACTIVE service with a resolved load balancer has one. */
export const wanted = (state: LbServiceState | undefined) => (state?.status === 'ACTIVE' ? state.record : undefined);
