// End to end against moto behind the Route 53 guard (which rejects names over RFC 1035's limits, as Route 53 does):
// a service name is checked as every name made from it before it becomes state or a record, and a fully qualified
// name inside the zone is published as that name.
import type { Task } from '@aws-sdk/client-ecs';
import { listAllRecordSets, zoneWriterFor, runReconcile } from '@ecs-sd/core';
import { listRecords, taskStateChangeEvent } from '../../../support/ecs-scenario';
import { parseChangeBatch } from '../../../support/route53-guard';
import { captureLogs, createRegistrar, sqsBatch, type RegistrarFixture, emfSum } from '../../../support/registrar-fixture';
import { freshWorld, ipOf, runService, taskId, useRoute53Guard, ZONE, type EcsWorld } from '../../../support/world';

const guard = useRoute53Guard();

interface World extends EcsWorld {
  registrar: RegistrarFixture;
}

async function world(srvNameFormat: 'plain' | 'rfc2782'): Promise<World> {
  const w = await freshWorld({ guard: guard() });
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE, SRV_NAME_FORMAT: srvNameFormat });
  return { ...w, registrar };
}

/** One awsvpc task of family `family` whose container port 8080 has SERVICE_8080_NAME=`name`. */
async function taskNamed(w: World, family: string, name: string): Promise<Task> {
  const { tasks } = await runService(w, family, 1, { container: { environment: { SERVICE_8080_NAME: name } } });
  return tasks[0];
}

const running = (task: Task) => taskStateChangeEvent(task, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });

/** A name of exactly `chars` characters made of host name labels of at most 63. */
function nameOf(chars: number): string {
  const labels: string[] = [];
  for (let left = chars; left > 0; ) {
    const n = left === 64 ? 62 : Math.min(63, left);
    labels.push('a'.repeat(n));
    left -= n + 1;
  }
  return labels.join('.');
}

/** Record names sent in ChangeResourceRecordSets calls since the world was built. */
const written = () =>
  guard()
    .calls.filter((c) => c.operation === 'ChangeResourceRecordSets')
    .flatMap((c) => parseChangeBatch(c.body).map((change) => change.name.toLowerCase().replace(/\.?$/, '.')));
const emf = emfSum;

describe('service names are checked as every name composed from them', () => {
  it.each([
    ['a 63-character name with SrvNameFormat=rfc2782 (_<name> would be a 64-octet label)', 'rfc2782', 'a'.repeat(63),
      /rfc2782 SRV name "_a{63}\._tcp\.svc\.internal\." has a label of 64 octets/],
    ['a 210-character name in the plain format (<task-id>.<name>.<zone> would be over 255 octets)', 'plain', nameOf(210),
      /per-task name "<task-id>\.a.*\.svc\.internal\." is 262 octets with a 36-character task ID/],
    ['a fully qualified name outside the zone', 'plain', 'web.example.com.', /"web\.example\.com\." is a fully qualified name outside the zone/],
    ['the zone apex given as a service name', 'plain', 'svc.internal.', /"svc\.internal\." is the zone apex/],
  ] as const)('rejects %s: one error line, a metric, no state claiming it, nothing sent', async (_case, format, name, rule) => {
    const w = await world(format);
    const good = await taskNamed(w, 'good', 'ok');
    const bad = await taskNamed(w, 'bad', name);
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(bad), running(good)])));
    expect(result.batchItemFailures).toEqual([]);

    // the other task of the batch is registered; nothing else is ever sent, and Route 53 rejects nothing
    const okNames = /^(?:[0-9a-f-]+\.ok|_ok\._(?:tcp|udp)|ok)\.svc\.internal\.$/;
    expect(written().length).toBeGreaterThan(0);
    expect(written().filter((n) => !okNames.test(n))).toEqual([]);
    expect(guard().calls.filter((c) => c.status >= 400)).toEqual([]);
    expect((await listRecords(w.zoneId)).filter((r) => !okNames.test(r.name))).toEqual([]);

    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: expect.stringMatching(/^Endpoint not registered: SERVICE_8080_NAME rejected: /),
      field: 'SERVICE_8080_NAME',
      value: name,
      problem: expect.stringMatching(rule),
      taskArn: bad.taskArn,
      containerPort: 8080,
    });
    expect(String(errors[0].message)).toMatch(rule);
    expect(emf(lines, 'InvalidServiceNames')).toBe(1);

    const state = await w.registrar.store.get(bad.taskArn!);
    expect(state).toMatchObject({ status: 'REJECTED', registeredNames: [], endpoints: [] });
  });

  it.each([
    ['a fully qualified name inside the zone', 'plain', 'web.svc.internal.', 'web', 'web.svc.internal.'],
    ['a fully qualified name in capitals', 'rfc2782', 'WEB.SVC.Internal.', 'web', '_web._tcp.svc.internal.'],
    ['62 characters with SrvNameFormat=rfc2782', 'rfc2782', 'b'.repeat(62), 'b'.repeat(62), `_${'b'.repeat(62)}._tcp.svc.internal.`],
    ['the longest plain name (per-task name of 255 octets with a 36-character task ID)', 'plain', nameOf(203), nameOf(203), `${nameOf(203)}.svc.internal.`],
  ] as const)('publishes %s', async (_case, format, given, relative, srvName) => {
    const w = await world(format);
    const task = await taskNamed(w, 'svc', given);
    const { result, lines } = await captureLogs(() => w.registrar.handler(sqsBatch([running(task)])));
    expect(result.batchItemFailures).toEqual([]);
    expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(guard().calls.filter((c) => c.status >= 400)).toEqual([]);

    const records = await listRecords(w.zoneId);
    const target = `${taskId(task)}.${relative}.${ZONE}.`;
    expect(records.find((r) => r.name === srvName && r.type === 'SRV')?.values).toEqual([`1 1 8080 ${target}`]);
    expect(records.find((r) => r.name === target && r.type === 'A')?.values).toEqual([ipOf(task)]);
    expect(records.every((r) => r.name.endsWith(`${relative}.${ZONE}.`) || r.name.endsWith(`${relative}._tcp.${ZONE}.`))).toBe(true);
    expect(await w.registrar.store.get(task.taskArn!)).toMatchObject({ registeredNames: [relative] });
  });

  it('the reconciler does not resend a rejected name: two runs after the registrar make no Route 53 change', async () => {
    const w = await world('rfc2782');
    const bad = await taskNamed(w, 'bad', 'c'.repeat(63));
    await captureLogs(() => w.registrar.handler(sqsBatch([running(bad)])));
    const { config, store } = w.registrar;
    const deps = {
      config,
      store,
      backend: zoneWriterFor(config, (name: string) => store.members(name)),
      listRecords: (deadline: number) => listAllRecordSets(config.hostedZoneId, { deadline }),
    };
    guard().resetCalls();
    const { result: reports, lines } = await captureLogs(async () => [
      await runReconcile(deps, Date.now() + 30_000),
      await runReconcile(deps, Date.now() + 30_000),
    ]);
    expect(guard().count('ChangeResourceRecordSets')).toBe(0);
    expect(reports.map((r) => [r.repairs, r.unresolved, r.errors])).toEqual([[[], [], []], [[], [], []]]);
    expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(await listRecords(w.zoneId)).toEqual([]);
  });
});
