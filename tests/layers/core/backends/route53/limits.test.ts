import { changeCost, packUnits, type Change, type Unit } from '@ecs-sd/core';
import fc from 'fast-check';

const set = (name: string, values: string[]) => ({ name, type: 'A' as const, ttl: 10, values });
const ips = (n: number, prefix = '10.0') => Array.from({ length: n }, (_, i) => `${prefix}.${i >> 8}.${i & 255}`);

describe('Route 53 request limits', () => {
  it('counts UPSERT twice for values and characters', () => {
    expect(changeCost({ action: 'UPSERT', set: set('a.', ['10.0.0.1']) })).toEqual({ records: 2, chars: 16 });
    expect(changeCost({ action: 'CREATE', set: set('a.', ['10.0.0.1']) })).toEqual({ records: 1, chars: 8 });
  });

  it('packs many small units into one request', () => {
    const units: Unit[] = Array.from({ length: 50 }, (_, i) => ({
      key: `s${i}`,
      changes: [{ action: 'CREATE', set: set(`s${i}.z.`, ['10.0.0.1']) }],
    }));
    expect(packUnits(units).batches).toHaveLength(1);
  });

  it('starts a new request when the next unit would pass 1,000 values', () => {
    const units: Unit[] = [
      { key: 'a', changes: [{ action: 'CREATE', set: set('a.', ips(400)) }] },
      { key: 'b', changes: [{ action: 'UPSERT', set: set('b.', ips(301)) }] },
    ];
    expect(packUnits(units).batches.map((b) => b.map((u) => u.key))).toEqual([['a'], ['b']]);
  });

  it('never splits a unit: one that alone exceeds a request is set aside whole, the others still go out', () => {
    const changes: Change[] = [
      { action: 'DELETE', set: set('x.', ips(400, '10.1')) },
      { action: 'CREATE', set: set('x.', ips(400, '10.2')) },
      { action: 'DELETE', set: { ...set('x.', ips(400, '10.3')), type: 'SRV' } },
      { action: 'CREATE', set: { ...set('x.', ips(400, '10.4')), type: 'SRV' } },
    ];
    const small: Unit = { key: 'y', changes: [{ action: 'CREATE', set: set('y.', ['10.0.0.1']) }] };
    const packed = packUnits([{ key: 'x', changes }, small]);
    expect(packed.oversized.map((u) => u.key)).toEqual(['x']);
    expect(packed.oversized[0].changes).toEqual(changes);
    expect(packed.batches).toEqual([[small]]);
  });

  it('property: every request respects both limits and no change is lost or reordered', () => {
    const unitArb = fc.array(
      fc.record({
        action: fc.constantFrom('CREATE' as const, 'DELETE' as const, 'UPSERT' as const),
        count: fc.integer({ min: 1, max: 300 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.array(unitArb, { minLength: 1, maxLength: 30 }), (specs) => {
        const units: Unit[] = specs.map((spec, i) => ({
          key: `k${i}`,
          changes: spec.map((c, j) => ({ action: c.action, set: set(`n${i}-${j}.`, ips(c.count)) })),
        }));
        const { batches, oversized } = packUnits(units);
        for (const batch of batches) {
          const changes = batch.flatMap((u) => u.changes);
          const cost = changes.map(changeCost).reduce((a, b) => ({ records: a.records + b.records, chars: a.chars + b.chars }));
          expect(cost.records).toBeLessThanOrEqual(1000);
          expect(cost.chars).toBeLessThanOrEqual(32000);
        }
        // every unit is sent whole, in order, or set aside whole
        expect([...batches.flat(), ...oversized].sort((a, b) => Number(a.key.slice(1)) - Number(b.key.slice(1)))).toEqual(units);
        expect(batches.flat()).toEqual(units.filter((u) => !oversized.includes(u)));
      }),
      { numRuns: 200 },
    );
  });
});
