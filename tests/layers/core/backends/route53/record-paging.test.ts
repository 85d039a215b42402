// ListResourceRecordSets paging at one name: someone else's multivalue A sets (one SetIdentifier each) fill more
// than a page at the name the backend reads. Every next page must start at the full cursor Route 53 returned
// (NextRecordName, NextRecordType and NextRecordIdentifier): without the identifier the read restarts at the first
// set of the name and type forever. The Route 53 guard pages as Route 53 does (20 per page here, as asked).
// A cap on the client bounds the number of list calls, so a read that loses its place fails instead of spinning.
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  DeadlineExceededError,
  recordSetsAt,
  resetClients,
  route53BackendFor,
  route53Client,
  type Member,
} from '@ecs-sd/core';
import { freshZone, useRoute53Guard, ZONE } from '../../../../support/world';

const guard = useRoute53Guard();
afterEach(() => resetClients()); // drops the capped client

/** more than two pages of 20 */
const FOREIGN_SETS = 45;
const NAME = `web.${ZONE}.`;
/** far above what a correct read needs (3 pages), far below a read that restarts forever */
const LIST_CALL_CAP = 30;

async function foreignMultivalueSets(zoneId: string): Promise<void> {
  const client = new Route53Client({ endpoint: guard().url });
  try {
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: Array.from({ length: FOREIGN_SETS }, (_, i) => ({
            Action: 'CREATE' as const,
            ResourceRecordSet: {
              Name: NAME,
              Type: 'A' as const,
              TTL: 60,
              SetIdentifier: `other-${String(i).padStart(2, '0')}`,
              MultiValueAnswer: true,
              ResourceRecords: [{ Value: `10.9.0.${i + 1}` }],
            },
          })),
        },
      }),
    );
  } finally {
    client.destroy();
  }
  guard().resetCalls();
}

/** Counts the application client's ListResourceRecordSets calls and fails the call past the cap. */
function capListCalls(): { count: () => number } {
  let calls = 0;
  route53Client().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListResourceRecordSetsCommand' && ++calls > LIST_CALL_CAP) {
        throw Object.assign(new Error(`test cap: more than ${LIST_CALL_CAP} ListResourceRecordSets calls`), {
          name: 'TestCallCap',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'testListCallCap' },
  );
  return { count: () => calls };
}

const member: Member = {
  taskId: 'task1',
  endpoints: [
    {
      name: 'web',
      containerName: 'app',
      containerPort: 8080,
      protocol: 'tcp',
      ip: '10.0.0.5',
      port: 8080,
      awsvpc: true,
      tags: [],
      check: {},
    },
  ],
};

describe('reading a name with more than a page of weighted/multivalue sets', () => {
  it('recordSetsAt returns every set once, in a bounded number of calls', async () => {
    const { zoneId } = await freshZone({ guard: guard() });
    await foreignMultivalueSets(zoneId);
    const cap = capListCalls();

    const sets = await recordSetsAt(zoneId, NAME, { deadline: Date.now() + 30_000 });

    expect(sets).toHaveLength(FOREIGN_SETS);
    expect(new Set(sets.map((s) => s.setIdentifier)).size).toBe(FOREIGN_SETS);
    expect(sets.every((s) => s.name === NAME && s.type === 'A')).toBe(true);
    expect(cap.count()).toBe(Math.ceil(FOREIGN_SETS / 20)); // 20 a page
  });

  it('the backend plans that name (someone else owns it: conflict) without re-reading it forever', async () => {
    const { zoneId } = await freshZone({ guard: guard() });
    await foreignMultivalueSets(zoneId);
    const cap = capListCalls();
    const backend = route53BackendFor(
      { hostedZoneId: zoneId, zoneName: ZONE, srvNameFormat: 'plain', recordTtl: 10, ownerId: 'test-stack' },
      async () => [member],
    );

    const outcomes = await backend.sync([{ serviceName: 'web', touchedTasks: [] }], { deadline: Date.now() + 30_000 });

    expect(outcomes.get('web')).toMatchObject({ status: 'conflict' });
    expect(cap.count()).toBeLessThanOrEqual(2 * Math.ceil(FOREIGN_SETS / 20));
    expect(guard().count('ChangeResourceRecordSets')).toBe(0);
  });

  it('stops at the deadline', async () => {
    const { zoneId } = await freshZone({ guard: guard() });
    const cap = capListCalls();
    await expect(recordSetsAt(zoneId, NAME, { deadline: Date.now() - 1 })).rejects.toThrow(DeadlineExceededError);
    expect(cap.count()).toBe(0);
  });
});
