// Must-show: the events/service-web-3-tasks history, replayed through the deployed handler module, produces exactly
// the SRV, per-task A and service A records; stopping one task removes only its values; the last stop removes the sets.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listRecords } from '../../support/ecs-scenario';
import { fixtureHandler } from '../../support/registrar-fixture';
import { ZONE } from '../../support/world';

const dir = join(__dirname, '../../../events/service-web-3-tasks');
const history = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const A = { id: '5f0c3a9e2b8d4c71a6e4f93b0d2c8e17', ip: '10.0.1.23' };
const B = { id: '8a41d2c7e9b04f6a9c3e1d5b7f2a0c64', ip: '10.0.2.57' };
const C = { id: 'c3e97b1f0a2d4e58b6f4a9d1e7c2b803', ip: '10.0.3.91' };
const srv = (...tasks: { id: string }[]) => tasks.map((t) => `1 1 8080 ${t.id}.web.${ZONE}.`).sort();

describe('replaying events/service-web-3-tasks through the task registrar handler', () => {
  let handler: (event: unknown) => Promise<{ batchItemFailures: unknown[] }>;
  let zoneId: string;

  beforeAll(async () => {
    ({ zoneId, handler } = await fixtureHandler({ RECORD_TTL: '10', OWNER_ID: 'replay-test' }));
  });

  const replay = async (prefix: string) => {
    for (const file of history.filter((f) => f.startsWith(prefix))) {
      expect({ file, result: await handler(load(file)) }).toEqual({ file, result: { batchItemFailures: [] } });
    }
    return listRecords(zoneId);
  };
  const view = (records: Awaited<ReturnType<typeof listRecords>>) =>
    Object.fromEntries(records.map((r) => [`${r.type} ${r.name}`, r.values]));

  it('three RUNNING tasks: SRV, service A, one A per task, and the ownership TXT; nothing else', async () => {
    for (const prefix of ['01', '02']) await replay(prefix);
    expect(view(await replay('03'))).toEqual({
      [`SRV web.${ZONE}.`]: srv(A, B, C),
      [`A web.${ZONE}.`]: [A.ip, B.ip, C.ip].sort(),
      [`TXT web.${ZONE}.`]: ['"heritage=ecs-service-discovery,owner=replay-test"'],
      [`A ${A.id}.web.${ZONE}.`]: [A.ip],
      [`A ${B.id}.web.${ZONE}.`]: [B.ip],
      [`A ${C.id}.web.${ZONE}.`]: [C.ip],
    });
  });

  it('stopping one task removes only its values (at desiredStatus STOPPED); its STOPPED event changes nothing', async () => {
    const afterStopping = view(await replay('04'));
    expect(afterStopping).toEqual({
      [`SRV web.${ZONE}.`]: srv(A, C),
      [`A web.${ZONE}.`]: [A.ip, C.ip].sort(),
      [`TXT web.${ZONE}.`]: ['"heritage=ecs-service-discovery,owner=replay-test"'],
      [`A ${A.id}.web.${ZONE}.`]: [A.ip],
      [`A ${C.id}.web.${ZONE}.`]: [C.ip],
    });
    expect(view(await replay('05'))).toEqual(afterStopping);
  });

  it('stopping the last tasks removes the record sets', async () => {
    await replay('06');
    expect(await replay('07')).toEqual([]);
  });
});
