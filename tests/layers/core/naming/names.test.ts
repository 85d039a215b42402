// Pure: the one place where names are composed and checked (RFC 1035 section 2.3.4; Route 53 "DNS domain name format").
import {
  checkDnsName,
  checkZoneName,
  fqdn,
  headNamesFor,
  lbNamesFor,
  loadConfig,
  MAX_TASK_ID_LENGTH,
  relativeServiceName,
  serviceMetadata,
  serviceNameFor,
  serviceNameOfHead,
  serviceRecordNames,
  srvRecordName,
  taskRecordName,
  wireLength,
  type NamingContext,
} from '@ecs-sd/core';

const ZONE = 'svc.internal';
const plain: NamingContext = { zoneName: ZONE, srvNameFormat: 'plain' };
const rfc2782: NamingContext = { zoneName: ZONE, srvNameFormat: 'rfc2782' };

/** A name of exactly `chars` characters made of host name labels of at most 63 (never an empty label). */
function nameOf(chars: number, letter = 'a'): string {
  const labels: string[] = [];
  for (let left = chars; left > 0; ) {
    const n = left === 64 ? 62 : Math.min(63, left);
    labels.push(letter.repeat(n));
    left -= n + 1;
  }
  return labels.join('.');
}

describe('checkDnsName: RFC 1035 size limits on a fully qualified name', () => {
  it.each([
    ['a 63-octet label', `${'a'.repeat(63)}.${ZONE}.`, true],
    ['a 64-octet label', `${'a'.repeat(64)}.${ZONE}.`, /label of 64 octets .*at most 63/],
    ['253 characters (255 octets in wire format)', `${nameOf(253 - ZONE.length - 1)}.${ZONE}`, true],
    ['254 characters (256 octets)', `${nameOf(254 - ZONE.length - 1)}.${ZONE}`, /is 256 octets; RFC 1035 section 2.3.4 allows at most 255/],
    ['an empty label', `a..${ZONE}.`, /empty label/],
    ['a space', `a b.${ZONE}.`, /not letters, digits, hyphens and underscores/],
    ['underscore labels (SRV, ownership)', `_owner._web._tcp.${ZONE}.`, true],
  ] as [string, string, true | RegExp][])('%s', (_case, name, expected) => {
    const result = checkDnsName(name);
    if (expected === true) expect(result).toEqual({ ok: true, value: name.endsWith('.') ? name : `${name}.` });
    else expect(result).toEqual({ ok: false, problem: expect.stringMatching(expected) });
  });

  it('counts wire octets: a length octet per label and the root', () => {
    expect([wireLength('a.b.'), wireLength('a.b'), wireLength(`${'x'.repeat(63)}.`)]).toEqual([5, 5, 65]);
  });
});

describe('composition: one definition of each name written', () => {
  it('task registrar names in both SRV formats', () => {
    expect(fqdn('Web', ZONE)).toBe('web.svc.internal.');
    expect(taskRecordName('abc', 'web', ZONE)).toBe('abc.web.svc.internal.');
    expect([srvRecordName('web', 'tcp', plain), srvRecordName('web', 'udp', rfc2782)]).toEqual([
      'web.svc.internal.',
      '_web._udp.svc.internal.',
    ]);
    expect(headNamesFor('web', plain)).toEqual(['web.svc.internal.']);
    expect(headNamesFor('web', rfc2782)).toEqual(['web.svc.internal.', '_web._tcp.svc.internal.', '_web._udp.svc.internal.']);
    const id = '0'.repeat(MAX_TASK_ID_LENGTH);
    expect(serviceRecordNames('web', rfc2782)).toEqual([
      { role: 'service name', name: 'web.svc.internal.' },
      { role: 'rfc2782 SRV name', name: '_web._tcp.svc.internal.' },
      { role: 'rfc2782 SRV name', name: '_web._udp.svc.internal.' },
      { role: 'per-task name', name: `${id}.web.svc.internal.` },
    ]);
  });

  it('parses head names back (the reconciler), service names of several labels included', () => {
    for (const naming of [plain, rfc2782]) {
      for (const service of ['web', 'api.v1', 'a'.repeat(62)]) {
        for (const head of headNamesFor(service, naming)) expect(serviceNameOfHead(head, ZONE)).toBe(service);
      }
    }
  });
});

describe('serviceNameFor: a user-given name, checked as every name composed from it', () => {
  it.each([
    ['lower case', 'web', plain, 'web'],
    ['capitals are lower-cased', 'Web', plain, 'web'],
    ['a fully qualified name inside the zone is its relative name', 'web.svc.internal.', plain, 'web'],
    ['... with capitals', 'WEB.SVC.Internal.', rfc2782, 'web'],
    ['... of several labels', 'api.v1.svc.internal.', plain, 'api.v1'],
    ['a relative name that spells the zone stays relative', 'web.svc.internal', plain, 'web.svc.internal'],
    ['62 characters in the rfc2782 format (_<name> is 63)', 'a'.repeat(62), rfc2782, 'a'.repeat(62)],
    ['63 characters in the plain format', 'a'.repeat(63), plain, 'a'.repeat(63)],
    ['203 characters in the plain format (per-task name of exactly 255 octets)', nameOf(203), plain, nameOf(203)],
  ])('accepts %s', (_case, raw, naming, expected) => {
    expect(serviceNameFor(raw, naming)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['63 characters in the rfc2782 format', 'a'.repeat(63), rfc2782,
      /^rfc2782 SRV name "_a{63}\._tcp\.svc\.internal\." has a label of 64 octets .*RFC 1035 section 2\.3\.4 allows at most 63$/],
    ['210 characters in the plain format: the per-task name is too long', nameOf(210), plain,
      /^per-task name "<task-id>\.a+\..*\.svc\.internal\." is 262 octets with a 36-character task ID; .*at most 255/],
    ['204 characters in the plain format', nameOf(204), plain, /per-task name .* is 256 octets/],
    ['a fully qualified name outside the zone', 'web.example.com.', plain, /"web\.example\.com\." is a fully qualified name outside the zone svc\.internal\./],
    ['a fully qualified name in a zone that merely ends like ours', 'web.xsvc.internal.', plain, /outside the zone/],
    ['the zone apex', 'svc.internal.', plain, /"svc\.internal\." is the zone apex/],
    ['the zone apex in capitals', 'SVC.INTERNAL.', plain, /zone apex/],
    ['an empty name', '  ', plain, /empty/],
    ['an underscore', 'my_service', plain, /label "my_service", which is not a host name label/],
    ['a leading hyphen', '-web', plain, /not a host name label/],
    ['an empty label', 'web..api', plain, /empty label/],
    ['a 64-character label', 'a'.repeat(64), plain, /label of 64 octets/],
  ])('rejects %s', (_case, raw, naming, problem) => {
    expect(serviceNameFor(raw, naming)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });

  it("checks Registrator's -<port> suffix with the name, after placing a fully qualified name in the zone", () => {
    expect(serviceNameFor('web.svc.internal.', plain, '-8080')).toEqual({ ok: true, value: 'web-8080' });
    expect(serviceNameFor('a'.repeat(60), plain, '-8080')).toEqual({ ok: false, problem: expect.stringMatching(/label of 65 octets/) });
  });

  it('relativeServiceName alone does not know the composed names', () => {
    expect(relativeServiceName('a'.repeat(63), ZONE)).toEqual({ ok: true, value: 'a'.repeat(63) });
  });
});

describe('serviceMetadata rejects a name by the setting it came from', () => {
  const container = (env: Record<string, string>, ports = [8080]) => ({
    name: 'app',
    portMappings: ports.map((containerPort) => ({ containerPort })),
    environment: Object.entries(env).map(([name, value]) => ({ name, value })),
  });

  it('SERVICE_<port>_NAME of 63 characters in the rfc2782 format', () => {
    const m = serviceMetadata([container({ SERVICE_8080_NAME: 'a'.repeat(63) })], {}, rfc2782);
    expect(m.ports).toEqual([]);
    expect(m.problems).toEqual([
      { containerName: 'app', containerPort: 8080, field: 'SERVICE_8080_NAME', value: 'a'.repeat(63), problem: expect.stringMatching(/64 octets/) },
    ]);
  });

  it('SERVICE_NAME given fully qualified, on a container with two ports: <relative>-<port>', () => {
    const m = serviceMetadata([container({ SERVICE_NAME: 'web.svc.internal.' }, [8080, 9090])], {}, plain);
    expect(m.ports.map((p) => p.name)).toEqual(['web-8080', 'web-9090']);
    const outside = serviceMetadata([container({ SERVICE_NAME: 'web.example.com.' }, [8080, 9090])], {}, plain);
    expect(outside.problems.map((p) => `${p.field}:${p.containerPort}`)).toEqual(['SERVICE_NAME:8080', 'SERVICE_NAME:9090']);
  });
});

describe('lbNamesFor: the LB registrar names of an ECS service name', () => {
  /** a zone of 185 characters: <63>.<zone> fits, _owner.<63>.<zone> does not */
  const longZone = nameOf(185, 'z');

  it.each([
    ['web', ZONE, 'web'],
    ['Web-API', ZONE, 'web-api'],
    ['a'.repeat(63), ZONE, 'a'.repeat(63)],
    ['a'.repeat(56), longZone, 'a'.repeat(56)],
  ])('accepts %s', (service, zone, label) => {
    expect(lbNamesFor(service, zone)).toEqual({
      ok: true,
      value: { label, name: `${label}.${zone}.`, ownerName: `_owner.${label}.${zone}.` },
    });
  });

  it.each([
    ['web_api', ZONE, /ECS service name "web_api" is not a host name label/],
    ['-web', ZONE, /not a host name label/],
    ['web.api', ZONE, /not a host name label/],
    ['a'.repeat(64), ZONE, /is 64 characters; .*labels of at most 63 octets/],
    ['a'.repeat(255), ZONE, /is 255 characters/],
    ['a'.repeat(63), longZone, /^LB ownership TXT name "_owner\.a{63}\.z+.*" is 258 octets; RFC 1035 section 2\.3\.4 allows at most 255/],
  ])('rejects %s', (service, zone, problem) => {
    expect(lbNamesFor(service, zone)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });
});

describe('the zone name (ZONE_NAME)', () => {
  const env = (ZONE_NAME: string) => ({ STATE_TABLE_NAME: 't', HOSTED_ZONE_ID: '/hostedzone/Z1', ZONE_NAME });

  it.each([
    ['SVC.Internal.', 'svc.internal'],
    [nameOf(214, 'z'), nameOf(214, 'z')],
  ])('accepts %s', (zone, expected) => {
    expect(checkZoneName(expected)).toEqual({ ok: true, value: expected });
    expect(loadConfig(env(zone)).zoneName).toBe(expected);
  });

  it.each([
    ['a label over 63 octets', `${'z'.repeat(64)}.internal`, /label of 64 octets/],
    ['no room for <task-id>.<name> under it', nameOf(215, 'z'), /leaves no room for service names: per-task name/],
    ['a space', 'svc internal', /not letters, digits, hyphens and underscores/],
    ['an empty label', 'svc..internal', /empty label/],
  ])('rejects %s at cold start', (_case, zone, problem) => {
    expect(checkZoneName(zone)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
    expect(() => loadConfig(env(zone))).toThrow(/Invalid configuration: ZONE_NAME: /);
  });
});
