import { desiredRecords, ownerTxtValue, planServiceChanges, type Member, type RecordSet } from '@ecs-sd/core';
import type { Endpoint } from '@ecs-sd/core';

const naming = { zoneName: 'svc.internal', srvNameFormat: 'plain' as const, ttl: 10 };
const endpoint = (name: string, ip: string, port = 8080, awsvpc = true): Endpoint => ({
  name, ip, port, awsvpc, containerName: 'app', containerPort: port, protocol: 'tcp', tags: [], check: {},
});
const member = (taskId: string, ip: string, name = 'web'): Member => ({ taskId, endpoints: [endpoint(name, ip)] });
const owner = (name = 'web.svc.internal.'): RecordSet => ({ name, type: 'TXT', ttl: 10, values: [ownerTxtValue('me')] });
const plan = (members: Member[], current: RecordSet[], touched: Parameters<typeof planServiceChanges>[0]['touchedTasks'] = []) =>
  planServiceChanges({ desired: desiredRecords('web', members, naming), current, touchedTasks: touched, ownerId: 'me', ttl: 10 });

describe('planServiceChanges', () => {
  it('claims a free name: ownership TXT, SRV and service A are created together', () => {
    const result = plan([member('t1', '10.0.0.1')], []);
    expect(result).toEqual({
      kind: 'changes',
      changes: [
        { action: 'CREATE', set: owner() },
        { action: 'CREATE', set: { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] } },
        { action: 'CREATE', set: { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] } },
      ],
    });
  });

  it('replaces a changed set with DELETE(current) + CREATE(desired) so a concurrent change makes it fail', () => {
    const current: RecordSet[] = [
      owner(),
      { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] },
      { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] },
    ];
    const result = plan([member('t1', '10.0.0.1'), member('t2', '10.0.0.2')], current);
    expect(result.kind).toBe('changes');
    const changes = result.kind === 'changes' ? result.changes : [];
    expect(changes.map((c) => `${c.action} ${c.set.type} ${c.set.values.length}`)).toEqual([
      'DELETE SRV 1', 'CREATE SRV 2', 'DELETE A 1', 'CREATE A 2',
    ]);
  });

  it('releases the name (records, then ownership) when the last member leaves', () => {
    const current: RecordSet[] = [
      owner(),
      { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] },
      { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] },
    ];
    const result = plan([], current, [{ taskId: 't1', existing: { name: 't1.web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] } }]);
    const changes = result.kind === 'changes' ? result.changes : [];
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

  it('is in sync when current equals desired, regardless of value order and trailing dots', () => {
    const current: RecordSet[] = [
      owner('WEB.svc.internal'),
      { name: 'web.svc.internal', type: 'A', ttl: 10, values: ['10.0.0.2', '10.0.0.1'] },
      { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t2.web.svc.internal.', '1 1 8080 t1.web.svc.internal.'] },
    ];
    expect(plan([member('t2', '10.0.0.2'), member('t1', '10.0.0.1')], current)).toEqual({ kind: 'in-sync' });
  });

  it('guards a per-task write with the unchanged SRV set so it cannot land on a newer head', () => {
    const srv: RecordSet = { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] };
    const current: RecordSet[] = [owner(), srv, { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] }];
    const desiredTask = { name: 't1.web.svc.internal.', type: 'A' as const, ttl: 10, values: ['10.0.0.1'] };
    const result = plan([member('t1', '10.0.0.1')], current, [{ taskId: 't1', desired: desiredTask }]);
    const changes = result.kind === 'changes' ? result.changes : [];
    expect(changes).toEqual([
      { action: 'DELETE', set: srv },
      { action: 'CREATE', set: srv },
      { action: 'UPSERT', set: desiredTask },
    ]);
  });

  it('applies a TTL change as a replacement', () => {
    const current: RecordSet[] = [
      owner(),
      { name: 'web.svc.internal.', type: 'SRV', ttl: 60, values: ['1 1 8080 t1.web.svc.internal.'] },
      { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] },
    ];
    const result = plan([member('t1', '10.0.0.1')], current);
    const changes = result.kind === 'changes' ? result.changes : [];
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
    expect([...d.taskRecords.values()].map((r) => `${r.name}=${r.values}`)).toEqual([
      't1.web.svc.internal.=10.0.0.1', 't2.web.svc.internal.=10.0.0.2',
    ]);
  });

  it('rfc2782 naming puts SRV at _<name>._<proto>.<zone>', () => {
    const d = desiredRecords('web', [member('t1', '10.0.0.1')], { ...naming, srvNameFormat: 'rfc2782' });
    expect(d.heads.map((h) => `${h.type} ${h.name}`)).toEqual(['SRV _web._tcp.svc.internal.', 'A web.svc.internal.']);
    expect(d.headNames).toEqual(['web.svc.internal.', '_web._tcp.svc.internal.', '_web._udp.svc.internal.']);
  });

  it('bridge endpoints get SRV and per-task A but no service A (their IP is the host)', () => {
    const d = desiredRecords('api', [{ taskId: 't1', endpoints: [endpoint('api', '10.0.0.9', 32768, false)] }], naming);
    expect(d.heads.map((h) => h.type)).toEqual(['SRV']);
    expect(d.heads[0].values).toEqual(['1 1 32768 t1.api.svc.internal.']);
  });

  it('caps a set at 400 values and reports what it dropped', () => {
    const members = Array.from({ length: 450 }, (_, i) => member(`t${String(i).padStart(3, '0')}`, `10.0.${i >> 8}.${i & 255}`));
    const d = desiredRecords('web', members, naming);
    for (const h of d.heads) expect(h.values.length).toBeLessThanOrEqual(400);
    expect(d.truncated.length).toBeGreaterThan(0);
    const chars = d.heads.find((h) => h.type === 'SRV')!.values.join('').length;
    expect(chars).toBeLessThanOrEqual(15000);
  });
});
