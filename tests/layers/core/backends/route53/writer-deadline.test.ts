// The writer bisects a rejected batch to land the good changes; every half is a new request and must not start once
// the invocation's deadline has passed: the units not sent are handed back for redelivery ('retry').
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { applyUnits, resetClients, route53Client } from '@ecs-sd/core';
import { freshZone, useRoute53Guard, ZONE } from '../../../../support/world';

const guard = useRoute53Guard();
afterEach(() => resetClients()); // drops the slowed client

const aSet = (label: string, ip: string) => ({ name: `${label}.${ZONE}.`, type: 'A' as const, ttl: 10, values: [ip] });

/** Makes every ChangeResourceRecordSets answer reach the application only once `until` (epoch ms) has passed. */
function answerChangesAfter(until: number): void {
  route53Client().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ChangeResourceRecordSetsCommand') return next(args);
      const wait = () => new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 5));
      try {
        return await next(args);
      } finally {
        await wait();
      }
    },
    { step: 'initialize', name: 'testSlowChanges' },
  );
}

/** A fresh zone that already holds an A record at taken.<zone> (calls recorded from here on). */
async function zoneWithTaken(): Promise<string> {
  const { zoneId } = await freshZone({ guard: guard() });
  const seed = new Route53Client({ endpoint: guard().url });
  await seed.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: `taken.${ZONE}.`, Type: 'A', TTL: 10, ResourceRecords: [{ Value: '10.0.0.9' }] } }] },
    }),
  );
  seed.destroy();
  guard().resetCalls();
  return zoneId;
}

describe('a rejected batch near the deadline', () => {
  it('sends nothing again after the deadline: the named stale unit is re-read, the other is to be retried', async () => {
    // "taken" exists already, so CREATE of it is rejected and the batch with it too.
    const zoneId = await zoneWithTaken();

    const deadline = Date.now() + 1000;
    answerChangesAfter(deadline);
    const outcomes = await applyUnits(
      zoneId,
      [
        { key: 'fresh', changes: [{ action: 'CREATE', set: aSet('fresh', '10.0.0.1') }] },
        { key: 'taken', changes: [{ action: 'CREATE', set: aSet('taken', '10.0.0.2') }] },
      ],
      deadline,
    );

    expect(guard().count('ChangeResourceRecordSets')).toBe(1);
    expect(outcomes.get('fresh')).toMatchObject({ status: 'retry' });
    expect(outcomes.get('taken')).toMatchObject({ status: 'stale' });
  });

  it('sends nothing once the deadline has passed', async () => {
    const { zoneId } = await freshZone({ guard: guard() });
    const outcomes = await applyUnits(zoneId, [{ key: 'fresh', changes: [{ action: 'CREATE', set: aSet('fresh', '10.0.0.1') }] }], Date.now() - 1);
    expect(guard().count('ChangeResourceRecordSets')).toBe(0);
    expect(outcomes.get('fresh')).toMatchObject({ status: 'retry' });
  });
});

describe('a batch rejected because some of its plans were stale', () => {
  it('marks only the units Route 53 named as stale and sends the others again at once (no bisection)', async () => {
    const zoneId = await zoneWithTaken();
    const units = ['a', 'b', 'taken', 'c', 'd'].map((key, i) => ({
      key,
      changes: [{ action: 'CREATE' as const, set: aSet(key, `10.0.1.${i + 1}`) }],
    }));
    const outcomes = await applyUnits(zoneId, units, Date.now() + 10_000);
    expect(guard().calls.filter((c) => c.operation === 'ChangeResourceRecordSets').map((c) => c.status)).toEqual([400, 200]);
    expect(outcomes.get('taken')).toMatchObject({ status: 'stale' });
    for (const key of ['a', 'b', 'c', 'd']) expect(outcomes.get(key)).toEqual({ status: 'applied' });
  });
});
