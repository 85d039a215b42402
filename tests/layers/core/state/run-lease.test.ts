// The run lease of the scheduled functions against moto's DynamoDB: one holder at a time, an expired lease is taken
// over, only the owner releases, and runExclusively runs exactly one of two overlapping runs.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { acquireRunLease, documentClient, leaseKey, logger, releaseRunLease, resetClients, runExclusively } from '@ecs-sd/core';
import { captureLogs } from '../../../support/registrar-fixture';
import { createTables } from '../../../support/tables';

let table: string;
beforeAll(async () => {
  resetClients();
  table = (await createTables('lease')).stateTableName;
});

async function leaseItem(name: string) {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: leaseKey(name), ConsistentRead: true }));
  return out.Item;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('acquireRunLease / releaseRunLease', () => {
  it('one holder at a time: a second run cannot take a lease that has not run out, and learns who holds it', async () => {
    const until = Date.now() + 60_000;
    const first = await acquireRunLease(table, 'one-holder', { owner: 'run-1', leaseUntil: until });
    expect(first.acquired).toBe(true);
    const second = await acquireRunLease(table, 'one-holder', { owner: 'run-2', leaseUntil: until + 1000 });
    expect(second).toEqual({ acquired: false, holder: { owner: 'run-1', leaseUntil: until } });
    expect(await leaseItem('one-holder')).toMatchObject({
      pk: 'LEASE#one-holder',
      sk: 'LEASE',
      owner: 'run-1',
      leaseUntil: until,
      expiresAt: expect.any(Number),
    });
    // DynamoDB TTL (epoch seconds) only cleans up, after the lease has run out
    expect((await leaseItem('one-holder'))!.expiresAt).toBeGreaterThan(until / 1000);
  });

  it('an expired lease (its run crashed or timed out) is taken over', async () => {
    const now = Date.now();
    await acquireRunLease(table, 'expired', { owner: 'crashed-run', leaseUntil: now - 1, now: now - 60_000 });
    const next = await acquireRunLease(table, 'expired', { owner: 'next-run', leaseUntil: now + 60_000 });
    expect(next.acquired).toBe(true);
    expect(await leaseItem('expired')).toMatchObject({ owner: 'next-run' });
  });

  it('only the owner releases: a run whose lease was taken over cannot delete the new holder\'s lease', async () => {
    const now = Date.now();
    await acquireRunLease(table, 'release', { owner: 'slow-run', leaseUntil: now - 1, now: now - 60_000 });
    await acquireRunLease(table, 'release', { owner: 'next-run', leaseUntil: now + 60_000 });
    expect(await releaseRunLease(table, 'release', 'slow-run')).toBe(false);
    expect(await leaseItem('release')).toMatchObject({ owner: 'next-run' });
    expect(await releaseRunLease(table, 'release', 'next-run')).toBe(true);
    expect(await leaseItem('release')).toBeUndefined();
    // released: anyone may take it now
    expect((await acquireRunLease(table, 'release', { owner: 'third-run', leaseUntil: now + 60_000 })).acquired).toBe(true);
  });
});

describe('runExclusively', () => {
  it('of two overlapping runs exactly one runs; the other logs why and does nothing', async () => {
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(300);
      return 'done';
    };
    const options = (owner: string) => ({
      tableName: table,
      name: 'overlap',
      owner,
      leaseUntil: Date.now() + 60_000,
      log: logger,
    });
    const { result, lines } = await captureLogs(() =>
      Promise.all([runExclusively(options('run-a'), work), runExclusively(options('run-b'), work)]),
    );
    expect(runs).toBe(1);
    expect(result.filter((r) => r.ran)).toEqual([{ ran: true, result: 'done' }]);
    const skipped = result.find((r) => !r.ran);
    expect(skipped).toEqual({ ran: false, holder: { owner: expect.stringMatching(/^run-[ab]$/), leaseUntil: expect.any(Number) } });
    expect(lines.filter((l) => l.level === 'WARN' && /holds the run lease/.test(String(l.message)))).toHaveLength(1);
    // released at the end: the next run goes ahead
    expect(await leaseItem('overlap')).toBeUndefined();
    expect((await runExclusively(options('run-c'), work)).ran).toBe(true);
    expect(runs).toBe(2);
  });

  it('releases the lease when the run throws', async () => {
    const options = { tableName: table, name: 'throws', owner: 'run-x', leaseUntil: Date.now() + 60_000, log: logger };
    const failing = async () => {
      throw new Error('boom');
    };
    await expect(runExclusively(options, failing)).rejects.toThrow('boom');
    expect(await leaseItem('throws')).toBeUndefined();
  });
});
