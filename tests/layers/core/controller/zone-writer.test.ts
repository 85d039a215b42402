// The zone writer: one drain of the dirty names at a time, no mark stranded (forced interleavings), and marks
// cleared only once their name synced. End to end against moto behind the Route 53 guard.
import type { Task } from '@aws-sdk/client-ecs';
import {
  createTaskRegistrar,
  DirtyNames,
  route53BackendFor,
  TaskStateStore,
  ZoneWriter,
  type Config,
} from '@ecs-sd/core';
import { listRecords, taskStateChangeEvent } from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, lambdaContext, sqsBatch } from '../../../support/registrar-fixture';
import { freshWorld, runService, taskId, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();
const running = (task: Task) => taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
const srvOf = async (zoneId: string, name: string) =>
  (await listRecords(zoneId)).find((r) => r.type === 'SRV' && r.name === `${name}.${ZONE}.`)?.values ?? [];

/** A registrar whose zone writer runs `beforeRelease` before it gives the lease back. */
function registrarWith(config: Config, store: TaskStateStore, beforeRelease?: () => Promise<void>) {
  const writer = new ZoneWriter({
    tableName: config.stateTableName,
    provider: route53BackendFor(config, (name, options) => store.members(name, options)),
    beforeRelease,
  });
  const handler = createTaskRegistrar({ config, store, backend: writer, safetyMarginMs: 0 });
  return { writer, handler: (event: unknown) => handler(event, lambdaContext(60_000)) };
}

describe('zone writer', () => {
  it('a mark made while the holder is finishing is drained by that holder (hand-off), not stranded', async () => {
    const w = await freshWorld({ guard: guard() });
    const base = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { config, store } = base;
    const { tasks: web } = await runService(w, 'web', 1);
    const { tasks: api } = await runService(w, 'api', 1);
    let late: Awaited<ReturnType<ReturnType<typeof registrarWith>['handler']>> | undefined;
    const second = registrarWith(config, store);
    let once = true;
    const holder = registrarWith(config, store, async () => {
      if (!once) return;
      once = false;
      // Another invocation stores its state (and marks api) while the holder is about to release the lease: its own
      // drain finds the lease held and hands off.
      late = await second.handler(sqsBatch([running(api[0])]));
      expect(await srvOf(w.zoneId, 'api')).toEqual([]);
    });
    const { result } = await captureLogs(() => holder.handler(sqsBatch([running(web[0])])));
    expect(result.batchItemFailures).toEqual([]);
    expect(late?.batchItemFailures).toEqual([]);
    // The holder saw the hand-off at release and ran one more round: api is in the zone without any other drain.
    expect(await srvOf(w.zoneId, 'api')).toEqual([`1 1 8080 ${taskId(api[0])}.api.${ZONE}.`]);
    expect(await srvOf(w.zoneId, 'web')).toEqual([`1 1 8080 ${taskId(web[0])}.web.${ZONE}.`]);
    expect(await new DirtyNames(config.stateTableName).list()).toEqual([]);
  });

  it('a name marked again while it is being synced keeps its mark and is synced again', async () => {
    const w = await freshWorld({ guard: guard() });
    const base = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { config, store } = base;
    const { tasks } = await runService(w, 'web', 2);
    const marks = new DirtyNames(config.stateTableName);
    let once = true;
    // Between the holder's members read and its write, a second task of web is stored (and marked).
    const provider = route53BackendFor(config, async (name, options) => {
      const members = await store.members(name, options);
      if (once) {
        once = false;
        const other = registrarWith(config, store);
        expect((await other.handler(sqsBatch([running(tasks[1])]))).batchItemFailures).toEqual([]);
      }
      return members;
    });
    const writer = new ZoneWriter({ tableName: config.stateTableName, provider });
    const handler = createTaskRegistrar({ config, store, backend: writer, safetyMarginMs: 0 });
    expect((await handler(sqsBatch([running(tasks[0])]), lambdaContext(60_000))).batchItemFailures).toEqual([]);
    expect((await srvOf(w.zoneId, 'web')).length).toBe(2);
    expect(await marks.list()).toEqual([]);
  });

  it('replays of every event (new envelope ids) and a drain with nothing dirty make no Route 53 call at all', async () => {
    const w = await freshWorld({ guard: guard() });
    const base = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
    const { tasks } = await runService(w, 'web', 3);
    expect((await base.handler(sqsBatch(tasks.map(running)))).batchItemFailures).toEqual([]);
    guard().resetCalls();
    const replays = tasks.map((t) => ({ ...running(t), id: `replay-${taskId(t)}` }));
    expect((await base.handler(sqsBatch(replays))).batchItemFailures).toEqual([]);
    expect((await base.handler(sqsBatch([]))).batchItemFailures).toEqual([]);
    expect(guard().calls).toEqual([]);
  });
});
