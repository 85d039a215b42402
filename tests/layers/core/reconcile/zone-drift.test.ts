// Which names the reconciler nominates for a sync (pure), and which records it considers ours.
import {
  desiredRecords,
  findZoneDrift,
  looksLikeTaskId,
  serviceNameOfHead,
  type Member,
  type NamingOptions,
  type RecordSet,
} from '@ecs-sd/core';

const ZONE = 'svc.internal';
const naming: NamingOptions = { zoneName: ZONE, srvNameFormat: 'plain', ttl: 10 };
const OWNER = '"heritage=ecs-service-discovery,owner=me"';
const T1 = '0123456789abcdef0123456789abcdef';
const T2 = 'fedcba9876543210fedcba9876543210';
const member = (taskId: string, ip: string, name = 'web'): Member => ({
  taskId,
  endpoints: [
    { name, containerName: 'app', containerPort: 8080, protocol: 'tcp', ip, port: 8080, awsvpc: true, tags: [], check: {} },
  ],
});
const set = (name: string, type: RecordSet['type'], values: string[], ttl = 10): RecordSet => ({
  name: `${name}.${ZONE}.`,
  type,
  ttl,
  values,
});
/** The zone exactly as a sync would leave it for these members. */
function synced(service: string, members: Member[], options = naming): RecordSet[] {
  const desired = desiredRecords(service, members, options);
  return [
    ...desired.heads,
    ...desired.headNames.filter((n) => desired.heads.some((h) => h.name === n)).map((n) => ({ name: n, type: 'TXT' as const, ttl: 10, values: [OWNER] })),
    ...[...desired.taskRecords.values()].flat(),
  ];
}
const drift = (zone: RecordSet[], members: Record<string, Member[]>, options = naming) =>
  findZoneDrift({ zone, members: new Map(Object.entries(members)), naming: options, ownerId: 'me' });

describe('findZoneDrift', () => {
  const web = [member(T1, '10.0.0.1'), member(T2, '10.0.0.2')];

  it('finds nothing when the zone matches the state', () => {
    expect(drift(synced('web', web), { web })).toEqual([]);
    const rfc = { ...naming, srvNameFormat: 'rfc2782' as const };
    expect(drift(synced('web', web, rfc), { web }, rfc)).toEqual([]);
  });

  it('nominates a name whose records are missing or different (MissingRecords)', () => {
    const zone = synced('web', web).filter((s) => s.name !== `${T2}.web.${ZONE}.`);
    expect(drift(zone, { web })).toEqual([
      { serviceName: 'web', kinds: ['MissingRecords'], touchedTasks: [{ taskId: T2 }], details: [`CREATE A ${T2}.web.${ZONE}.`] },
    ]);
    const wrongTtl = synced('web', web).map((s) => (s.type === 'SRV' ? { ...s, ttl: 300 } : s));
    expect(drift(wrongTtl, { web })[0]).toMatchObject({
      kinds: ['MissingRecords'],
      details: [`DELETE SRV web.${ZONE}.`, `CREATE SRV web.${ZONE}.`],
    });
    expect(drift([], { web })[0].kinds).toEqual(['MissingRecords']);
  });

  it('nominates owned records with no members (OrphanRecords), with the per-task records to delete', () => {
    const ghost = synced('ghost', [member(T1, '10.9.9.9', 'ghost')]);
    expect(drift(ghost, {})).toEqual([
      {
        serviceName: 'ghost',
        kinds: ['OrphanRecords'],
        touchedTasks: [{ taskId: T1 }],
        details: [`DELETE SRV ghost.${ZONE}.`, `DELETE A ghost.${ZONE}.`, `DELETE A ${T1}.ghost.${ZONE}.`, `DELETE TXT ghost.${ZONE}.`],
      },
    ]);
  });

  it('nominates a stray per-task record under a live service', () => {
    const zone = [...synced('web', [web[0]]), set(`${T2}.web`, 'A', ['10.0.0.2'])];
    expect(drift(zone, { web: [web[0]] })).toEqual([
      { serviceName: 'web', kinds: ['OrphanRecords'], touchedTasks: [{ taskId: T2 }], details: [`DELETE A ${T2}.web.${ZONE}.`] },
    ]);
  });

  it('never nominates records it does not own', () => {
    const zone = [
      set('legacy', 'SRV', [`1 1 80 ${T1}.legacy.${ZONE}.`]),
      set(`${T1}.legacy`, 'A', ['10.1.1.1']),
      set('other', 'TXT', ['"heritage=ecs-service-discovery,owner=someone-else"']),
      set('other', 'A', ['10.2.2.2']),
      set(`${T1}.other`, 'A', ['10.2.2.3']),
      set('similar', 'TXT', ['"heritage=ecs-service-discovery,owner=me,extra"']),
      set('similar', 'A', ['10.3.3.3']),
      set('_owner.api', 'TXT', ['"heritage=ecs-service-discovery,owner=me,registrar=lb"']),
      set('api', 'CNAME', ['lb.example.com']),
      ...synced('web', web),
      set('notatask.web', 'A', ['10.5.5.5']),
      { ...set('web', 'A', []), alias: { hostedZoneId: 'Z', dnsName: 'x', evaluateTargetHealth: true }, setIdentifier: 'x' },
    ];
    expect(drift(zone, { web })).toEqual([]);
  });

  it('a foreign record at a name our members need is nominated (the backend reports the conflict, never overwrites)', () => {
    expect(drift([set('web', 'A', ['192.0.2.1'])], { web })[0].kinds).toEqual(['MissingRecords']);
  });

  it('skips names already synced this run', () => {
    expect(findZoneDrift({ zone: [], members: new Map([['web', web]]), naming, ownerId: 'me', exclude: new Set(['web']) })).toEqual([]);
  });
});

describe('ownership helpers', () => {
  it.each([
    [`web.${ZONE}.`, 'web'],
    [`_web._tcp.${ZONE}.`, 'web'],
    [`api.v1.${ZONE}.`, 'api.v1'],
    [`_owner.api.${ZONE}.`, undefined],
    [`web.other.zone.`, undefined],
    [`WEB.${ZONE.toUpperCase()}`, 'web'],
  ])('%s -> %s', (name, service) => {
    expect(serviceNameOfHead(name, ZONE)).toBe(service);
  });
  it.each([
    [T1, true],
    ['c47646da-17b5-447b-bd28-9f726098c61f', true],
    ['notatask', false],
    ['0123456789ABCDEF0123456789ABCDEF', false],
  ])('%s looks like a task ID: %s', (label, ok) => {
    expect(looksLikeTaskId(label)).toBe(ok);
  });
});
