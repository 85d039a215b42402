// The thin handler of functions/lb-registrar: wired from the environment the template sets, against moto.
import type { Context } from 'aws-lambda';
import { listRecords } from '../../support/ecs-scenario';
import { cloudTrailEvent, createLoadBalancers } from '../../support/lb-scenario';
import { createTables } from '../../support/tables';
import { freshZone } from '../../support/world';

type Handler = (event: unknown, context?: Context) => Promise<unknown>;

const ENV_KEYS = ['STATE_TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME', 'HOSTED_ZONE_ID', 'ZONE_NAME', 'RECORD_TTL', 'OWNER_ID', 'LB_RECORD_TYPE'];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const context = { functionName: 'lb-registrar', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function loadHandler(env: Record<string, string>): Handler {
  Object.assign(process.env, env);
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../../functions/lb-registrar/index') as { handler: Handler }).handler;
  });
  return handler!;
}

/** A fresh moto world: the zone svc.internal, the load balancers the fixtures name, and the tables. */
async function setup() {
  const { vpc, zoneId } = await freshZone();
  return { zoneId, lbs: await createLoadBalancers(vpc), tables: await createTables() };
}

describe('functions/lb-registrar', () => {
  it('reads its settings from the environment (LB_RECORD_TYPE=ALIAS) and writes the alias record', async () => {
    const { zoneId, lbs, tables } = await setup();
    const handler = loadHandler({
      STATE_TABLE_NAME: tables.stateTableName,
      IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
      HOSTED_ZONE_ID: `/hostedzone/${zoneId}`,
      ZONE_NAME: 'svc.internal.',
      RECORD_TTL: '15',
      OWNER_ID: 'stack-a',
      LB_RECORD_TYPE: 'ALIAS',
    });
    expect(await handler(cloudTrailEvent('create-service-alb.json', lbs), context)).toMatchObject({ outcome: 'applied', serviceName: 'web' });
    const records = await listRecords(zoneId);
    expect(records).toEqual([
      expect.objectContaining({ name: '_owner.web.svc.internal.', type: 'TXT', ttl: 15 }),
      expect.objectContaining({ name: 'web.svc.internal.', type: 'A', aliasTarget: expect.objectContaining({ hostedZoneId: lbs.alb.canonicalHostedZoneId }) }),
    ]);
    expect(records[0].values).toContain('"heritage=ecs-service-discovery,owner=stack-a,registrar=lb"');
  });

  it('defaults to CNAME', async () => {
    const { zoneId, lbs, tables } = await setup();
    delete process.env.LB_RECORD_TYPE;
    const handler = loadHandler({
      STATE_TABLE_NAME: tables.stateTableName,
      IDEMPOTENCY_TABLE_NAME: tables.idempotencyTableName,
      HOSTED_ZONE_ID: zoneId,
      ZONE_NAME: 'svc.internal',
    });
    await handler(cloudTrailEvent('create-service-nlb.json', lbs), context);
    expect((await listRecords(zoneId)).map((r) => `${r.type} ${r.name} ${r.values.join(' ')}`)).toContain(
      `CNAME grpc.svc.internal. ${lbs.nlb.dnsName.toLowerCase()}.`,
    );
  });

  it('fails the cold start loudly on an invalid LB_RECORD_TYPE', () => {
    expect(() =>
      loadHandler({ STATE_TABLE_NAME: 't', HOSTED_ZONE_ID: 'Z1', ZONE_NAME: 'svc.internal', LB_RECORD_TYPE: 'AAAA' }),
    ).toThrow(/LB_RECORD_TYPE/);
  });
});
