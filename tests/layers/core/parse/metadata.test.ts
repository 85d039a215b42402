import { parseDuration, serviceMetadata, type NamingContext } from '@ecs-sd/core';

const NAMING: NamingContext = { zoneName: 'svc.internal', srvNameFormat: 'plain' };

describe('serviceMetadata (Registrator conventions)', () => {
  const container = (extra: object) => ({ name: 'app', portMappings: [{ containerPort: 8080 }, { containerPort: 9090 }], ...extra });

  it('SERVICE_<port>_NAME names one port; other ports without metadata are not registered', () => {
    const m = serviceMetadata([container({ environment: [{ name: 'SERVICE_8080_NAME', value: 'Web' }] })], {}, NAMING);
    expect(m.ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual(['web:8080']);
  });

  it('SERVICE_NAME names every mapped port, suffixed with the port when there are several', () => {
    const m = serviceMetadata([container({ environment: [{ name: 'SERVICE_NAME', value: 'api' }] })], {}, NAMING);
    expect(m.ports.map((p) => p.name)).toEqual(['api-8080', 'api-9090']);
    const single = serviceMetadata([{ name: 'a', portMappings: [{ containerPort: 80 }], environment: [{ name: 'SERVICE_NAME', value: 'api' }] }], {}, NAMING);
    expect(single.ports.map((p) => p.name)).toEqual(['api']);
  });

  it('overrides beat the task definition, which beats docker labels; IGNORE skips', () => {
    const m = serviceMetadata(
      [container({
        dockerLabels: { SERVICE_8080_NAME: 'label', SERVICE_9090_NAME: 'metrics', SERVICE_TAGS: 'a,b' },
        environment: [{ name: 'SERVICE_8080_NAME', value: 'env' }, { name: 'SERVICE_9090_IGNORE', value: 'true' }],
      })],
      { app: { SERVICE_8080_NAME: 'override' } },
      NAMING,
    );
    expect(m.ports.map((p) => `${p.name}:${p.tags}`)).toEqual(['override:a,b']);
    expect(serviceMetadata([container({ environment: [{ name: 'SERVICE_NAME', value: 'x' }, { name: 'SERVICE_IGNORE', value: '1' }] })], {}, NAMING).ports).toEqual([]);
  });

  it('keeps check settings for the health checker', () => {
    const m = serviceMetadata([container({ environment: [
      { name: 'SERVICE_8080_NAME', value: 'web' },
      { name: 'SERVICE_8080_CHECK_HTTP', value: '/ready' },
      { name: 'SERVICE_8080_CHECK_INTERVAL', value: '15s' },
      { name: 'SERVICE_CHECK_TIMEOUT', value: '500ms' },
    ] })], {}, NAMING);
    expect(m.ports[0].check).toEqual({ http: '/ready', tcp: undefined, intervalSeconds: 15, timeoutSeconds: 0.5 });
  });

  it('rejects names that are not DNS names, with the reason', () => {
    const m = serviceMetadata([container({ environment: [{ name: 'SERVICE_8080_NAME', value: 'my_service!' }] })], {}, NAMING);
    expect(m.ports).toEqual([]);
    expect(m.problems[0]).toMatchObject({ field: 'SERVICE_8080_NAME', value: 'my_service!', problem: expect.stringMatching(/not a host name label/) });
  });

  it('parses durations', () => {
    expect([parseDuration('10s'), parseDuration('2m'), parseDuration('250ms'), parseDuration('7'), parseDuration('x')]).toEqual([10, 120, 0.25, 7, undefined]);
  });
});
