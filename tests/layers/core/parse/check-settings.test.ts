// SERVICE_<port>_CHECK_* settings are validated by the same rules as the health checker's global parameters
// (health/check-settings): an invalid one is dropped (that part of the check is the default) and listed, with the
// variable that supplied it and the rule it broke.
import {
  CHECK_PATH_RULE,
  CHECK_TIMEOUT_SECONDS,
  loadHealthConfig,
  serviceMetadata,
  validateCheckSettings,
} from '@ecs-sd/core';

const port = (env: Record<string, string>) =>
  serviceMetadata(
    [{ name: 'app', portMappings: [{ containerPort: 8080 }], environment: Object.entries({ SERVICE_8080_NAME: 'web', ...env }).map(([name, value]) => ({ name, value })) }],
    {},
    { zoneName: 'svc.internal', srvNameFormat: 'plain' },
  );

describe('per-endpoint check settings', () => {
  it.each([
    { env: { SERVICE_8080_CHECK_HTTP: '/he alth' }, field: 'SERVICE_8080_CHECK_HTTP' },
    { env: { SERVICE_8080_CHECK_HTTP: 'health' }, field: 'SERVICE_8080_CHECK_HTTP' },
    { env: { SERVICE_8080_CHECK_HTTP: '/a\u001bb' }, field: 'SERVICE_8080_CHECK_HTTP' },
    { env: { SERVICE_8080_CHECK_HTTP: '/caf\u00e9' }, field: 'SERVICE_8080_CHECK_HTTP' },
    { env: { SERVICE_8080_CHECK_TIMEOUT: '0' }, field: 'SERVICE_8080_CHECK_TIMEOUT' },
    { env: { SERVICE_8080_CHECK_TIMEOUT: '100' }, field: 'SERVICE_8080_CHECK_TIMEOUT' },
    { env: { SERVICE_8080_CHECK_TIMEOUT: 'abc' }, field: 'SERVICE_8080_CHECK_TIMEOUT' },
    { env: { SERVICE_8080_CHECK_TIMEOUT: '-1s' }, field: 'SERVICE_8080_CHECK_TIMEOUT' },
    { env: { SERVICE_8080_CHECK_INTERVAL: '0' }, field: 'SERVICE_8080_CHECK_INTERVAL' },
    { env: { SERVICE_8080_CHECK_INTERVAL: '2d' }, field: 'SERVICE_8080_CHECK_INTERVAL' },
    { env: { SERVICE_8080_CHECK_INTERVAL: '25h' }, field: 'SERVICE_8080_CHECK_INTERVAL' },
    { env: { SERVICE_8080_CHECK_TCP: 'yes please' }, field: 'SERVICE_8080_CHECK_TCP' },
    { env: { SERVICE_CHECK_TIMEOUT: '99m' }, field: 'SERVICE_CHECK_TIMEOUT' }, // the un-numbered form is named as such
  ] as { env: Record<string, string>; field: string }[])('$field=$env is dropped and reported', ({ env, field }) => {
    const m = port(env);
    expect(m.ports).toHaveLength(1); // the endpoint still registers
    expect(m.ports[0].check).toEqual({});
    expect(m.checkProblems).toEqual([
      { containerName: 'app', containerPort: 8080, field, value: Object.values(env)[0], rule: expect.any(String) },
    ]);
  });

  it('keeps valid settings; the numbered form wins over the un-numbered one; empty means unset', () => {
    const m = port({
      SERVICE_8080_CHECK_HTTP: '/ready?deep=1',
      SERVICE_CHECK_HTTP: '/ignored',
      SERVICE_8080_CHECK_TCP: 'false',
      SERVICE_8080_CHECK_INTERVAL: '1m',
      SERVICE_CHECK_TIMEOUT: '100ms',
    });
    expect(m.ports[0].check).toEqual({ http: '/ready?deep=1', intervalSeconds: 60, timeoutSeconds: 0.1 });
    expect(m.checkProblems).toEqual([]);
    expect(port({ SERVICE_8080_CHECK_HTTP: '', SERVICE_8080_CHECK_TIMEOUT: ' ' })).toMatchObject({ checkProblems: [], ports: [{ check: {} }] });
  });

  it('each invalid setting is reported and only it falls back', () => {
    const { check, problems } = validateCheckSettings({
      http: { field: 'SERVICE_80_CHECK_HTTP', value: '/x y' },
      tcp: { field: 'SERVICE_80_CHECK_TCP', value: 'on' },
      interval: { field: 'SERVICE_80_CHECK_INTERVAL', value: 'never' },
      timeout: { field: 'SERVICE_80_CHECK_TIMEOUT', value: '5s' },
    });
    expect(check).toEqual({ tcp: true, timeoutSeconds: 5 });
    expect(problems.map((p) => p.field)).toEqual(['SERVICE_80_CHECK_HTTP', 'SERVICE_80_CHECK_INTERVAL']);
  });

  it('uses the global parameters\' rules: what HealthCheckPath / HealthCheckTimeoutSeconds reject, the endpoint setting rejects too', () => {
    for (const path of ['/he alth', 'health', '/a\u0001']) {
      expect(() => loadHealthConfig({ HEALTH_CHECK_PATH: path })).toThrow(CHECK_PATH_RULE);
      expect(port({ SERVICE_8080_CHECK_HTTP: path }).checkProblems[0].rule).toBe(CHECK_PATH_RULE);
    }
    for (const seconds of [CHECK_TIMEOUT_SECONDS.min - 0.05, CHECK_TIMEOUT_SECONDS.max + 1]) {
      expect(() => loadHealthConfig({ HEALTH_CHECK_TIMEOUT_SECONDS: String(seconds) })).toThrow(/HEALTH_CHECK_TIMEOUT_SECONDS/);
      expect(port({ SERVICE_8080_CHECK_TIMEOUT: `${seconds}s` }).checkProblems).toHaveLength(1);
    }
    for (const seconds of [CHECK_TIMEOUT_SECONDS.min, CHECK_TIMEOUT_SECONDS.max]) {
      expect(loadHealthConfig({ HEALTH_CHECK_TIMEOUT_SECONDS: String(seconds) }).defaultTimeoutMs).toBe(seconds * 1000);
      expect(port({ SERVICE_8080_CHECK_TIMEOUT: `${seconds}s` }).ports[0].check.timeoutSeconds).toBe(seconds);
    }
  });
});
