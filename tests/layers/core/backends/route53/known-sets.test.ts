import { applyChangesToSets, KnownRecordSets, type RecordSet } from '@ecs-sd/core';

const srv = (values: string[]): RecordSet => ({ name: 'web.z.', type: 'SRV', ttl: 10, values });
const taskA = (ip: string): RecordSet => ({ name: 'b.web.z.', type: 'A', ttl: 10, values: [ip] });

describe('known record sets', () => {
  it('applies DELETE / CREATE / UPSERT to what was read for the name, per-task sets included', () => {
    const before = [srv(['1 1 80 a.web.z.']), { name: 'web.z.', type: 'TXT' as const, ttl: 10, values: ['"x"'] }, taskA('10.0.0.1')];
    const after = applyChangesToSets(before, [
      { action: 'DELETE', set: srv(['1 1 80 a.web.z.']) },
      { action: 'CREATE', set: srv(['1 1 80 a.web.z.', '1 1 80 b.web.z.']) },
      { action: 'DELETE', set: taskA('10.0.0.1') },
      { action: 'CREATE', set: { ...taskA('10.0.0.2'), name: 'B.web.z' } },
    ]);
    expect(after).toEqual([
      { name: 'web.z.', type: 'TXT', ttl: 10, values: ['"x"'] },
      srv(['1 1 80 a.web.z.', '1 1 80 b.web.z.']),
      taskA('10.0.0.2'),
    ]);
  });

  it('remembers per service name until forgotten', () => {
    const known = new KnownRecordSets();
    known.remember('web', [srv(['1 1 80 a.web.z.'])]);
    expect(known.get('web')).toEqual([srv(['1 1 80 a.web.z.'])]);
    expect(known.get('api')).toBeUndefined();
    known.remember('gone', []);
    expect(known.get('gone')).toEqual([]);
    known.forget('web');
    expect(known.get('web')).toBeUndefined();
  });
});
