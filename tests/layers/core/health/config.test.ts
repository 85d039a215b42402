import { isHealthyStatus, loadHealthConfig, parseStatusCodes } from '@ecs-sd/core';

describe('loadHealthConfig', () => {
  it('has the documented defaults', () => {
    expect(loadHealthConfig({})).toEqual({
      unhealthyThreshold: 3,
      healthyThreshold: 2,
      gracePeriodSeconds: 60,
      stopUnhealthyTasks: true,
      maxStopPercent: 50,
      panicThreshold: 50,
      panicMinProbes: 5,
      defaultPath: '/health',
      defaultTimeoutMs: 2000,
      concurrency: 64,
      healthyStatus: [{ from: 200, to: 299 }],
      recordTtlSeconds: 86400,
    });
  });

  it('reads every setting from the environment the template sets', () => {
    const config = loadHealthConfig({
      UNHEALTHY_THRESHOLD: '5',
      HEALTHY_THRESHOLD: '3',
      GRACE_PERIOD_SECONDS: '120',
      STOP_UNHEALTHY_TASKS: 'false',
      MAX_STOP_PERCENT: '25',
      PANIC_THRESHOLD: '80',
      PANIC_MIN_PROBES: '10',
      HEALTH_CHECK_PATH: '',
      HEALTH_CHECK_TIMEOUT_SECONDS: '0.5',
      PROBE_CONCURRENCY: '16',
      HEALTHY_STATUS_CODES: '200-299,301',
    });
    expect(config).toMatchObject({
      unhealthyThreshold: 5,
      healthyThreshold: 3,
      gracePeriodSeconds: 120,
      stopUnhealthyTasks: false,
      maxStopPercent: 25,
      panicThreshold: 80,
      panicMinProbes: 10,
      defaultPath: '',
      defaultTimeoutMs: 500,
      concurrency: 16,
      healthyStatus: [
        { from: 200, to: 299 },
        { from: 301, to: 301 },
      ],
    });
  });

  it.each([
    ['UNHEALTHY_THRESHOLD', '0'],
    ['MAX_STOP_PERCENT', '101'],
    ['STOP_UNHEALTHY_TASKS', 'maybe'],
    ['HEALTH_CHECK_PATH', 'health'],
    ['HEALTHY_STATUS_CODES', '2xx'],
    ['PROBE_CONCURRENCY', '0'],
    ['PANIC_MIN_PROBES', '0'],
    ['PANIC_MIN_PROBES', '2.5'],
  ])('rejects %s=%s loudly', (name, value) => {
    expect(() => loadHealthConfig({ [name]: value })).toThrow(new RegExp(`Invalid health checker configuration: ${name}`));
  });
});

describe('status codes', () => {
  it.each([
    ['200-299', 204, true],
    ['200-299', 301, false],
    ['200,204', 204, true],
    ['200-399', 302, true],
  ] as const)('%s accepts %d: %s', (spec, status, ok) => {
    expect(isHealthyStatus(parseStatusCodes(spec)!, status)).toBe(ok);
  });
  it.each(['', '2xx', '299-200', '600', '200-'])('rejects "%s"', (spec) => {
    expect(parseStatusCodes(spec)).toBeUndefined();
  });
});
