import { applyChangesToSets, KnownRecordSets, type RecordSet } from '@ecs-sd/core';

const srv = (values: string[]): RecordSet => ({ name: 'web.z.', type: 'SRV', ttl: 10, values });

describe('known record sets', () => {
  it('applies DELETE/CREATE/UPSERT to the head names only', () => {
    const before = [srv(['1 1 80 a.web.z.']), { name: 'web.z.', type: 'TXT' as const, ttl: 10, values: ['"x"'] }];
    const after = applyChangesToSets(before, [
      { action: 'DELETE', set: srv(['1 1 80 a.web.z.']) },
      { action: 'CREATE', set: srv(['1 1 80 a.web.z.', '1 1 80 b.web.z.']) },
      { action: 'UPSERT', set: { name: 'b.web.z.', type: 'A', ttl: 10, values: ['10.0.0.2'] } },
    ], ['web.z']);
    expect(after).toEqual([{ name: 'web.z.', type: 'TXT', ttl: 10, values: ['"x"'] }, srv(['1 1 80 a.web.z.', '1 1 80 b.web.z.'])]);
  });

  it('answers only when every name is known', () => {
    const known = new KnownRecordSets();
    known.remember(['web.z.'], [srv(['1 1 80 a.web.z.'])]);
    expect(known.get(['web.z.'])).toEqual([srv(['1 1 80 a.web.z.'])]);
    expect(known.get(['web.z.', '_web._tcp.z.'])).toBeUndefined();
    known.remember(['gone.z.'], []);
    expect(known.get(['gone.z.'])).toEqual([]);
    known.forget(['web.z.']);
    expect(known.get(['web.z.'])).toBeUndefined();
  });
});
