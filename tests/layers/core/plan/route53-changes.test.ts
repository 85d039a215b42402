import {
  desiredRecords,
  applyChangesToSets,
  fitsOneRequest,
  ownerTxtValue,
  planServiceChanges,
  planWithinOneRequest,
  type Endpoint,
  type Member,
  type RecordSet,
} from '@ecs-sd/core';

const naming = { zoneName: 'svc.internal', srvNameFormat: 'plain' as const, ttl: 10 };
const endpoint = (name: string, ip: string | undefined, port = 8080, awsvpc = true, ipv6?: string): Endpoint => ({
  name, ip, ipv6, port, awsvpc, containerName: 'app', containerPort: port, protocol: 'tcp', tags: [], check: {},
});
const member = (taskId: string, ip: string, name = 'web'): Member => ({ taskId, endpoints: [endpoint(name, ip)] });
const owner = (name = 'web.svc.internal.'): RecordSet => ({ name, type: 'TXT', ttl: 10, values: [ownerTxtValue('me')] });
const taskA = (taskId: string, ip: string): RecordSet => ({ name: `${taskId}.web.svc.internal.`, type: 'A', ttl: 10, values: [ip] });
const plan = (members: Member[], current: RecordSet[], knownTaskIds: string[] = []) =>
  planServiceChanges({ desired: desiredRecords('web', members, naming), current, knownTaskIds, ownerId: 'me', ttl: 10 });
const changesOf = (result: ReturnType<typeof plan>) => (result.kind === 'changes' ? result.changes : []);
/** What a successful sync leaves in the zone for these members. */
const synced = (members: Member[], options = naming): RecordSet[] => {
  const d = desiredRecords('web', members, options);
  return [owner(), ...d.heads, ...[...d.taskRecords.values()].flat()];
};

describe('planServiceChanges', () => {
  it('claims a free name: ownership TXT, SRV, service A and per-task A are created together', () => {
    expect(plan([member('t1', '10.0.0.1')], [])).toEqual({
      kind: 'changes',
      changes: [
        { action: 'CREATE', set: owner() },
        { action: 'CREATE', set: { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] } },
        { action: 'CREATE', set: { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] } },
        { action: 'CREATE', set: taskA('t1', '10.0.0.1') },
      ],
    });
  });

  it('replaces a changed set with DELETE(current) + CREATE(desired) so a concurrent change makes it fail', () => {
    const changes = changesOf(plan([member('t1', '10.0.0.1'), member('t2', '10.0.0.2')], synced([member('t1', '10.0.0.1')])));
    expect(changes.map((c) => `${c.action} ${c.set.type} ${c.set.name} ${c.set.values.length}`)).toEqual([
      'DELETE SRV web.svc.internal. 1', 'CREATE SRV web.svc.internal. 2', 'DELETE A web.svc.internal. 1',
      'CREATE A web.svc.internal. 2', 'CREATE A t2.web.svc.internal. 1',
    ]);
  });

  it('releases the name (records, per-task records, then ownership) when the last member leaves', () => {
    const changes = changesOf(plan([], synced([member('t1', '10.0.0.1')]), ['t1']));
    expect(changes.map((c) => `${c.action} ${c.set.name} ${c.set.type}`)).toEqual([
      'DELETE web.svc.internal. SRV',
      'DELETE web.svc.internal. A',
      'DELETE t1.web.svc.internal. A',
      'DELETE web.svc.internal. TXT',
    ]);
  });

  it('reports a conflict and changes nothing when the name holds records we do not own', () => {
    const foreign: RecordSet = { name: 'web.svc.internal.', type: 'A', ttl: 300, values: ['192.0.2.1'] };
    expect(plan([member('t1', '10.0.0.1')], [foreign])).toMatchObject({ kind: 'conflict', name: 'web.svc.internal.' });
    const foreignTxt: RecordSet = { ...owner(), values: ['"heritage=ecs-service-discovery,owner=someone-else"'] };
    expect(plan([member('t1', '10.0.0.1')], [foreignTxt]).kind).toBe('conflict');
    const cname: RecordSet = { name: 'web.svc.internal.', type: 'CNAME', ttl: 60, values: ['lb.example.com'] };
    expect(plan([member('t1', '10.0.0.1')], [cname]).kind).toBe('conflict');
  });

  it('is in sync (no change at all, no UPSERT) when the zone holds what the members need, in any order and case', () => {
    const members = [member('t2', '10.0.0.2'), member('t1', '10.0.0.1')];
    const current = synced(members).map((s) => ({ ...s, name: s.name.toUpperCase().replace(/\.$/, ''), values: [...s.values].reverse() }));
    expect(plan(members, current)).toEqual({ kind: 'in-sync' });
  });

  it('writes only the per-task record that differs, guarded by the unchanged SRV set', () => {
    const members = [member('t1', '10.0.0.1'), member('t2', '10.0.0.2')];
    const current = synced(members).filter((s) => s.name !== 't2.web.svc.internal.');
    const srv = current.find((s) => s.type === 'SRV')!;
    expect(changesOf(plan(members, current))).toEqual([
      { action: 'DELETE', set: srv },
      { action: 'CREATE', set: srv },
      { action: 'CREATE', set: taskA('t2', '10.0.0.2') },
    ]);
  });

  it('removes per-task records of tasks that are no longer members, and leaves other names below alone', () => {
    const t9 = 'abcdefabcdefabcdefabcdefabcdef12';
    const members = [member('t1', '10.0.0.1')];
    const current = [
      ...synced(members),
      taskA(t9, '10.0.0.9'),
      { name: 'api.web.svc.internal.', type: 'A' as const, ttl: 10, values: ['10.9.9.9'] },
      { name: `${t9}.api.web.svc.internal.`, type: 'A' as const, ttl: 10, values: ['10.9.9.9'] },
    ];
    expect(changesOf(plan(members, current)).filter((c) => c.set.type !== 'SRV')).toEqual([
      { action: 'DELETE', set: taskA(t9, '10.0.0.9') },
    ]);
  });

  it('applies a TTL change as a replacement', () => {
    const current = synced([member('t1', '10.0.0.1')]).map((s) => (s.type === 'SRV' ? { ...s, ttl: 60 } : s));
    const changes = changesOf(plan([member('t1', '10.0.0.1')], current));
    expect(changes.map((c) => `${c.action} ${c.set.type} ${c.set.ttl}`)).toEqual(['DELETE SRV 60', 'CREATE SRV 10']);
  });
});

describe('desiredRecords', () => {
  it('plain naming: SRV and service A at <name>.<zone>, per-task A as SRV targets', () => {
    const d = desiredRecords('web', [member('t1', '10.0.0.1'), member('t2', '10.0.0.2')], naming);
    expect(d.heads).toEqual([
      { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.', '1 1 8080 t2.web.svc.internal.'] },
      { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1', '10.0.0.2'] },
    ]);
    expect([...d.taskRecords.values()].flat().map((r) => `${r.type} ${r.name}=${r.values}`)).toEqual([
      'A t1.web.svc.internal.=10.0.0.1', 'A t2.web.svc.internal.=10.0.0.2',
    ]);
  });

  it('rfc2782 naming puts SRV at _<name>._<proto>.<zone>', () => {
    const d = desiredRecords('web', [member('t1', '10.0.0.1')], { ...naming, srvNameFormat: 'rfc2782' });
    expect(d.heads.map((h) => `${h.type} ${h.name}`)).toEqual(['SRV _web._tcp.svc.internal.', 'A web.svc.internal.']);
    expect(d.headNames).toEqual(['web.svc.internal.', '_web._tcp.svc.internal.', '_web._udp.svc.internal.']);
  });

  it('bridge endpoints get SRV and per-task A but no service A (their IP is the host) unless hostAddressRecords', () => {
    const bridge = (taskId: string, ip: string): Member => ({ taskId, endpoints: [endpoint('api', ip, 32768 + taskId.length, false)] });
    const members = [bridge('t1', '10.0.0.9'), bridge('t22', '10.0.0.9'), bridge('t333', '10.0.0.8')];
    const d = desiredRecords('api', members, naming);
    expect(d.heads.map((h) => h.type)).toEqual(['SRV']);
    expect(d.heads[0].values[0]).toBe('1 1 32770 t1.api.svc.internal.');
    const withHosts = desiredRecords('api', members, { ...naming, hostAddressRecords: true });
    expect(withHosts.heads.map((h) => `${h.type} ${h.values}`)).toEqual([
      expect.stringMatching(/^SRV /),
      'A 10.0.0.8,10.0.0.9', // one value per host, however many tasks it runs
    ]);
  });

  it.each([
    ['dual-stack', '10.0.0.1', '2600:1f18::1', ['SRV', 'A', 'AAAA'], ['A', 'AAAA']],
    ['IPv6-only', undefined, '2600:1f18::1', ['SRV', 'AAAA'], ['AAAA']],
    ['IPv4-only', '10.0.0.1', undefined, ['SRV', 'A'], ['A']],
  ])('%s awsvpc task: service and per-task A/AAAA by address family; the SRV target resolves by them', (_, ip, ipv6, heads, perTask) => {
    const d = desiredRecords('web', [{ taskId: 't1', endpoints: [endpoint('web', ip, 8080, true, ipv6)] }], naming);
    expect(d.heads.map((h) => h.type)).toEqual(heads);
    expect(d.heads[0].values).toEqual(['1 1 8080 t1.web.svc.internal.']);
    const records = d.taskRecords.get('t1')!;
    expect(records.map((r) => r.type)).toEqual(perTask);
    expect(records.every((r) => r.name === 't1.web.svc.internal.')).toBe(true);
  });

  it('publishes one subset of tasks in every set of the name, within 400 values, and says who is left out', () => {
    const members = Array.from({ length: 450 }, (_, i) => member(`t${String(i).padStart(3, '0')}`, `10.0.${i >> 8}.${i & 255}`));
    const d = desiredRecords('web', members, naming);
    const srv = d.heads.find((h) => h.type === 'SRV')!;
    const a = d.heads.find((h) => h.type === 'A')!;
    expect(srv.values.length).toBeLessThanOrEqual(400);
    expect(srv.values.join('').length).toBeLessThanOrEqual(15000);
    expect(d.published.length + d.unpublished.length).toBe(450);
    expect(d.limitedBy).toBe('record-set');
    const srvTasks = srv.values.map((v) => v.split(' ')[3].split('.')[0]);
    expect(srvTasks).toEqual(d.published);
    expect([...d.taskRecords.keys()]).toEqual(d.published);
    expect(a.values).toHaveLength(d.published.length);
  });
});

describe('planWithinOneRequest', () => {
  const long = (i: number) => `${String(i).padStart(32, '0')}`;
  const service = 'a-rather-long-service-name-to-make-each-srv-value-long';
  const members = (n: number, ipBase: number, port: number) =>
    Array.from({ length: n }, (_, i): Member => ({
      taskId: long(i),
      endpoints: [endpoint(service, `10.${ipBase}.${i >> 8}.${i & 255}`, port)],
    }));
  const options = { ...naming, ownerId: 'me' };

  it('never plans a unit larger than one request: it shrinks the published subset instead of splitting', () => {
    const before = members(130, 1, 8080);
    const current = (() => {
      const d = desiredRecords(service, before, naming);
      return [{ ...owner(`${service}.svc.internal.`) }, ...d.heads, ...[...d.taskRecords.values()].flat()];
    })();
    // Every task moved to a new address and port: head sets and every per-task record change at once (each SRV
    // value is ~110 characters: DELETE + CREATE of the SRV set alone is ~28,600 of the 32,000).
    const after = members(130, 2, 9090);
    expect(desiredRecords(service, after, naming).unpublished).toEqual([]);
    const { desired, plan } = planWithinOneRequest({ serviceName: service, touchedTasks: [] }, after, current, options);
    expect(plan.kind).toBe('changes');
    const changes = plan.kind === 'changes' ? plan.changes : [];
    expect(fitsOneRequest(changes)).toBe(true);
    expect(desired.unpublished.length).toBeGreaterThan(0);
    expect(desired.limitedBy).toBe('request');
    const full = planServiceChanges({ desired: desiredRecords(service, after, naming), current, ownerId: 'me', ttl: 10 });
    expect(full.kind === 'changes' && fitsOneRequest(full.changes)).toBe(false);
  });

  it('leaves out a member whose per-task name holds someone else\'s record, and publishes the rest', () => {
    const ms = [member('t1', '10.0.0.1'), member('t2', '10.0.0.2')];
    const cname: RecordSet = { name: 't2.web.svc.internal.', type: 'CNAME', ttl: 60, values: ['elsewhere.example.com.'] };
    const { plan, blockedTasks } = planWithinOneRequest({ serviceName: 'web', touchedTasks: [] }, ms, [cname], options);
    expect(blockedTasks).toEqual(['t2']);
    const changes = plan.kind === 'changes' ? plan.changes : [];
    expect(changes.some((c) => c.set.name.startsWith('t2.') || c.set.values.some((v) => v.includes('t2.')))).toBe(false);
    expect(changes.some((c) => c.set.type === 'SRV')).toBe(true);
  });
});

describe('planWithinOneRequest, repeated as a writer would: the published subset is stable', () => {
  const options = { ...naming, ownerId: 'me' };
  const request = { serviceName: 'web', touchedTasks: [] };
  // `prefix` orders task ids: replacements with prefix 0 sort before the tasks already published (prefix 1)
  const members = (n: number, v6: boolean, base = 0, prefix = '1'): Member[] =>
    Array.from({ length: n }, (_, i) => ({
      taskId: prefix + (base + i).toString(16).padStart(31, '0'),
      endpoints: [endpoint('web', `10.${base >> 8}.${i >> 8}.${i & 255}`, 8080, true, v6 ? `2600:1f18::${(base + i).toString(16)}` : undefined)],
    }));
  /** Syncs until in sync (at most `rounds`); returns the published counts after each write. */
  const converge = (ms: Member[], start: RecordSet[], rounds = 10) => {
    let current = start;
    const counts: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const { plan, desired } = planWithinOneRequest(request, ms, current, options);
      if (plan.kind === 'in-sync') return { counts, current, inSync: true };
      if (plan.kind !== 'changes') throw new Error(plan.kind);
      expect(fitsOneRequest(plan.changes)).toBe(true);
      current = applyChangesToSets(current, plan.changes);
      counts.push(desired.published.length);
    }
    return { counts, current, inSync: false };
  };

  it.each([
    ['270 IPv4 tasks', 270, false],
    ['170 dual-stack tasks', 170, true],
  ])('%s: converges, never shrinks once published, and then stays in sync', (_, n, v6) => {
    // Registered ten at a time, as batches of events would: each step converges, and the count never falls.
    let first = converge([], []);
    const seen: number[] = [];
    for (let k = 10; k <= n; k += 10) {
      first = converge(members(k, v6), first.current);
      expect(first.inSync).toBe(true);
      seen.push(...first.counts);
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // grows, never swaps tasks out
    // Quiet: nothing changes, so nothing is planned again.
    expect(converge(members(n, v6), first.current).counts).toEqual([]);
    // A rolling replacement of a quarter of the tasks converges too, and keeps the surviving tasks published.
    const survivors = members(n, v6).slice(Math.floor(n / 4));
    const replaced = [...survivors, ...members(Math.floor(n / 4), v6, 4096, '0')];
    const after = converge(replaced, first.current);
    expect(after.inSync).toBe(true);
    const srv = after.current.find((s) => s.type === 'SRV')!;
    const published = new Set(srv.values.map((v) => v.split(' ')[3].split('.')[0]));
    const survivorsPublishedBefore = first.current.find((s) => s.type === 'SRV')!.values
      .map((v) => v.split(' ')[3].split('.')[0])
      .filter((id) => survivors.some((m) => m.taskId === id));
    for (const id of survivorsPublishedBefore) expect(published.has(id)).toBe(true);
  });
});
