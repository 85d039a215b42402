import {
  chooseLoadBalancer,
  desiredLbRecord,
  lbLabel,
  lbNames,
  lbOwnerTxtValue,
  lbServiceTagValue,
  ownerTxtValue,
  planLbChanges,
  sameLbRecord,
  type LoadBalancerTarget,
  type RecordSet,
} from '@ecs-sd/core';

const ZONE = 'svc.internal';
const WEB_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/demo/web';
const OTHER_WEB_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/other/web';
const names = lbNames('web', ZONE);
const alb: LoadBalancerTarget = {
  kind: 'application',
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-alb/1111',
  name: 'demo-alb',
  dnsName: 'demo-alb-1.us-east-1.elb.amazonaws.com',
  canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
};
const nlb: LoadBalancerTarget = {
  kind: 'network',
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/demo-nlb/2222',
  name: 'demo-nlb',
  dnsName: 'demo-nlb-2.elb.us-east-1.amazonaws.com',
  canonicalHostedZoneId: 'Z26RNL4JYFTOTI',
};
const classicWithoutZone: LoadBalancerTarget = {
  kind: 'classic',
  arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/demo-api',
  name: 'demo-api',
  dnsName: 'demo-api.us-east-1.elb.amazonaws.com',
};

const cname = (target = 'demo-alb-1.us-east-1.elb.amazonaws.com.', ttl = 10): RecordSet => ({
  name: 'web.svc.internal.', type: 'CNAME', ttl, values: [target],
});
const aliasA = (dnsName = 'demo-alb-1.us-east-1.elb.amazonaws.com.', hostedZoneId = 'Z35SXDOTRQ7X7K'): RecordSet => ({
  name: 'web.svc.internal.', type: 'A', ttl: 0, values: [], alias: { hostedZoneId, dnsName, evaluateTargetHealth: true },
});
const marker = (serviceArn = WEB_ARN, ownerId = 'me', ttl = 10): RecordSet => ({
  name: '_owner.web.svc.internal.', type: 'TXT', ttl, values: [lbOwnerTxtValue(ownerId), lbServiceTagValue(serviceArn)].sort(),
});
const plan = (desired: RecordSet | undefined, current: RecordSet[], serviceArn = WEB_ARN) =>
  planLbChanges({ ...names, desired, current, ownerId: 'me', serviceArn, ttl: 10 });
const summary = (result: ReturnType<typeof plan>) =>
  result.kind === 'changes' ? result.changes.map((c) => `${c.action} ${c.set.type}${c.set.alias ? '(alias)' : ''} ${c.set.name}`) : result.kind;

describe('names', () => {
  it('<service>.<zone> and _owner.<service>.<zone>, lower case, trailing dot', () => {
    expect(lbNames('web', ZONE)).toEqual({ name: 'web.svc.internal.', ownerName: '_owner.web.svc.internal.' });
  });

  it.each([
    ['web', 'web'],
    ['Web-API', 'web-api'],
    ['a'.repeat(63), 'a'.repeat(63)],
  ])('lbLabel(%s) = %s', (service, label) => expect(lbLabel(service, ZONE)).toBe(label));

  it.each([['web_api'], ['-web'], ['web-'], ['a'.repeat(64)], ['web.api'], ['']])('lbLabel(%j) rejects it', (service) => {
    expect(lbLabel(service, ZONE)).toBeUndefined();
  });

  it('rejects a label whose _owner name would not fit in 253 characters', () => {
    const zone = `${'z'.repeat(60)}.${'z'.repeat(60)}.${'z'.repeat(60)}.internal`;
    expect(`a.${zone}`.length).toBeLessThanOrEqual(253);
    expect(lbLabel('a'.repeat(60), zone)).toBeUndefined(); // _owner.<60>.<zone> is 259 characters
    expect(lbLabel('a', zone)).toBe('a');
  });

  it('the marker values: the LB registrar own value (distinct from the task registrar one) and the service', () => {
    expect(lbOwnerTxtValue('me')).toBe('"heritage=ecs-service-discovery,owner=me,registrar=lb"');
    expect(lbOwnerTxtValue('me')).not.toBe(ownerTxtValue('me'));
    expect(lbServiceTagValue(WEB_ARN)).toBe(`"ecs-service=${WEB_ARN}"`);
    const long = `arn:aws:ecs:us-east-1:123456789012:service/${'c'.repeat(200)}/${'s'.repeat(200)}`;
    expect(lbServiceTagValue(long)).toMatch(/^"ecs-service-sha256=[0-9a-f]{64}"$/);
  });
});

describe('chooseLoadBalancer', () => {
  it('none -> nothing chosen', () => expect(chooseLoadBalancer([])).toEqual({ chosen: undefined, ignored: [] }));
  it('one', () => expect(chooseLoadBalancer([nlb])).toEqual({ chosen: nlb, ignored: [] }));
  it('several: the first by ARN, whatever the input order; duplicates collapse', () => {
    expect(chooseLoadBalancer([nlb, alb, nlb])).toEqual({ chosen: alb, ignored: [nlb] });
    expect(chooseLoadBalancer([alb, nlb])).toEqual({ chosen: alb, ignored: [nlb] });
    // ARN order: .../loadbalancer/app/... < .../loadbalancer/demo-api (Classic) < .../loadbalancer/net/...
    expect(chooseLoadBalancer([nlb, classicWithoutZone, alb])).toEqual({ chosen: alb, ignored: [classicWithoutZone, nlb] });
  });
});

describe('desiredLbRecord', () => {
  it('CNAME: the DNS name, lower case with trailing dot, TTL = RECORD_TTL', () => {
    expect(desiredLbRecord('web.svc.internal.', { ...alb, dnsName: 'Demo-ALB-1.us-east-1.elb.amazonaws.com' }, 'CNAME', 30)).toEqual({
      record: cname('demo-alb-1.us-east-1.elb.amazonaws.com.', 30),
    });
  });

  it('ALIAS: an A alias to the canonical hosted zone, EvaluateTargetHealth on', () => {
    expect(desiredLbRecord('web.svc.internal.', alb, 'ALIAS', 30)).toEqual({ record: aliasA() });
  });

  it('ALIAS without a canonical hosted zone ID (moto Classic ELB): CNAME and a reason', () => {
    const result = desiredLbRecord('api.svc.internal.', classicWithoutZone, 'ALIAS', 10);
    expect(result.record).toEqual({ name: 'api.svc.internal.', type: 'CNAME', ttl: 10, values: ['demo-api.us-east-1.elb.amazonaws.com.'] });
    expect(result.fallback).toMatch(/no canonical hosted zone ID/);
  });
});

describe('sameLbRecord', () => {
  it.each<[string, RecordSet, RecordSet, boolean]>([
    ['CNAME, trailing dot and case do not matter', cname(), cname('DEMO-alb-1.us-east-1.elb.amazonaws.com'), true],
    ['CNAME, other target', cname(), cname('other.elb.amazonaws.com.'), false],
    ['CNAME, other TTL', cname(), cname(undefined, 60), false],
    ['alias, same target without trailing dot', aliasA(), aliasA('demo-alb-1.us-east-1.elb.amazonaws.com'), true],
    ['alias, other hosted zone', aliasA(), aliasA(undefined, 'Z1'), false],
    ['alias TTL is ignored', aliasA(), { ...aliasA(), ttl: 300 }, true],
    ['alias vs CNAME', aliasA(), cname(), false],
    ['alias vs plain A', aliasA(), { name: 'web.svc.internal.', type: 'A', ttl: 0, values: [] }, false],
  ])('%s', (_title, a, b, same) => expect(sameLbRecord(a, b)).toBe(same));
});

describe('planLbChanges', () => {
  it('claims a free name: marker and record in one unit', () => {
    expect(plan(cname(), [])).toEqual({
      kind: 'changes',
      changes: [{ action: 'CREATE', set: marker() }, { action: 'CREATE', set: cname() }],
    });
  });

  it('in sync: nothing to do', () => {
    expect(plan(cname(), [marker(), cname()])).toEqual({ kind: 'in-sync' });
    expect(plan(aliasA(), [marker(), aliasA('demo-alb-1.us-east-1.elb.amazonaws.com')])).toEqual({ kind: 'in-sync' });
  });

  it('re-points: DELETE(current) + DELETE/CREATE marker (compare-and-swap) + CREATE(desired)', () => {
    expect(summary(plan(cname('demo-alb-2.elb.amazonaws.com.'), [marker(), cname()]))).toEqual([
      'DELETE CNAME web.svc.internal.',
      'DELETE TXT _owner.web.svc.internal.',
      'CREATE TXT _owner.web.svc.internal.',
      'CREATE CNAME web.svc.internal.',
    ]);
  });

  it('switches CNAME -> alias A (LB_RECORD_TYPE changed) in one unit', () => {
    expect(summary(plan(aliasA(), [marker(), cname()]))).toEqual([
      'DELETE CNAME web.svc.internal.',
      'DELETE TXT _owner.web.svc.internal.',
      'CREATE TXT _owner.web.svc.internal.',
      'CREATE A(alias) web.svc.internal.',
    ]);
  });

  it('repairs a marker whose TTL differs (RECORD_TTL changed)', () => {
    expect(summary(plan(cname(), [marker(WEB_ARN, 'me', 60), cname()]))).toEqual([
      'DELETE CNAME web.svc.internal.',
      'DELETE TXT _owner.web.svc.internal.',
      'CREATE TXT _owner.web.svc.internal.',
      'CREATE CNAME web.svc.internal.',
    ]);
  });

  it('removes its record and marker when no record is wanted, deleting exactly what is there', () => {
    const current = [marker(), aliasA('demo-alb-1.us-east-1.elb.amazonaws.com')];
    const result = plan(undefined, current);
    expect(result).toEqual({
      kind: 'changes',
      changes: [{ action: 'DELETE', set: current[1] }, { action: 'DELETE', set: current[0] }],
    });
  });

  it('removes a lone marker (record gone by hand)', () => {
    expect(summary(plan(undefined, [marker()]))).toEqual(['DELETE TXT _owner.web.svc.internal.']);
  });

  it('nothing wanted and nothing of ours: in sync, whoever holds the name', () => {
    expect(plan(undefined, [])).toEqual({ kind: 'in-sync' });
    const taskRecords: RecordSet[] = [
      { name: 'web.svc.internal.', type: 'TXT', ttl: 10, values: [ownerTxtValue('me')] },
      { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] },
    ];
    expect(plan(undefined, taskRecords)).toEqual({ kind: 'in-sync' });
    expect(plan(undefined, [marker(OTHER_WEB_ARN), cname()])).toEqual({ kind: 'in-sync' });
  });

  describe('conflicts: reported, nothing written', () => {
    const cases: Array<[string, RecordSet[]]> = [
      ['task records (SRV + A + the task registrar TXT) at the name', [
        { name: 'web.svc.internal.', type: 'TXT', ttl: 10, values: [ownerTxtValue('me')] },
        { name: 'web.svc.internal.', type: 'SRV', ttl: 10, values: ['1 1 8080 t1.web.svc.internal.'] },
        { name: 'web.svc.internal.', type: 'A', ttl: 10, values: ['10.0.0.1'] },
      ]],
      ['a hand-made CNAME without marker', [cname('elsewhere.example.com.')]],
      ['a hand-made A record without marker', [{ name: 'web.svc.internal.', type: 'A', ttl: 300, values: ['192.0.2.1'] }]],
      ['a foreign TXT at the _owner name', [{ name: '_owner.web.svc.internal.', type: 'TXT', ttl: 300, values: ['"hello"'] }]],
      ['the marker of another stack (OwnerId)', [marker(WEB_ARN, 'someone-else'), cname()]],
      ['the marker of the same-named service of another cluster', [marker(OTHER_WEB_ARN), cname()]],
      ['our marker, but foreign records beside our CNAME', [marker(), cname(), { name: 'web.svc.internal.', type: 'MX' as never, ttl: 300, values: ['10 mail.example.com.'] }]],
    ];
    it.each(cases)('%s', (_title, current) => {
      const result = plan(cname(), current);
      expect(result.kind).toBe('conflict');
      expect(result).toMatchObject({ reason: expect.any(String) });
    });

    it('names the service that holds the name', () => {
      expect(plan(cname(), [marker(OTHER_WEB_ARN), cname()])).toMatchObject({ reason: expect.stringContaining(OTHER_WEB_ARN) });
    });
  });
});
