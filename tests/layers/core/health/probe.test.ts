// The real prober against real servers on 127.0.0.1: what counts as healthy, and that every probe is bounded.
import { createProber, describeCheck, isNotSentError, parseStatusCodes, type ProbeRequest } from '@ecs-sd/core';
import { refusedPort, startHttpServer, startTcpServer, type LocalHttpServer } from './local-servers';

const twoXx = parseStatusCodes('200-299')!;
const probe = createProber(twoXx);
const http = (port: number, path = '/health', timeoutMs = 500): ProbeRequest => ({
  ip: '127.0.0.1',
  port,
  check: { kind: 'http', path },
  timeoutMs,
});

describe('HTTP probes against real servers', () => {
  const servers: LocalHttpServer[] = [];
  const server = async (...args: Parameters<typeof startHttpServer>) => {
    const s = await startHttpServer(...args);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('200 is healthy, and the configured path is requested', async () => {
    const s = await server({ kind: 'status', status: 200 });
    await expect(probe(http(s.port, '/ready?deep=1'))).resolves.toMatchObject({ ok: true, result: 'HTTP 200' });
    expect(s.paths).toEqual(['/ready?deep=1']);
  });

  it('204 is healthy (any 2xx, not only 200)', async () => {
    const s = await server({ kind: 'status', status: 204 });
    await expect(probe(http(s.port))).resolves.toMatchObject({ ok: true, result: 'HTTP 204' });
  });

  it('500 is unhealthy, and so are 3xx and 4xx (no redirects followed)', async () => {
    const s = await server({ kind: 'status', status: 500 });
    await expect(probe(http(s.port))).resolves.toMatchObject({ ok: false, result: 'HTTP 500' });
    s.behave({ kind: 'status', status: 301 });
    await expect(probe(http(s.port))).resolves.toMatchObject({ ok: false, result: 'HTTP 301' });
    s.behave({ kind: 'status', status: 404 });
    await expect(probe(http(s.port))).resolves.toMatchObject({ ok: false, result: 'HTTP 404' });
  });

  it('the healthy statuses are configurable', async () => {
    const s = await server({ kind: 'status', status: 301 });
    const lenient = createProber(parseStatusCodes('200-399')!);
    await expect(lenient(http(s.port))).resolves.toMatchObject({ ok: true, result: 'HTTP 301' });
    s.behave({ kind: 'status', status: 200 });
    const only204 = createProber(parseStatusCodes('204')!);
    await expect(only204(http(s.port))).resolves.toMatchObject({ ok: false, result: 'HTTP 200' });
  });

  it('a hanging server times out after the per-check timeout, not later', async () => {
    const s = await server({ kind: 'hang' });
    const started = Date.now();
    const result = await probe(http(s.port, '/health', 300));
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, result: 'timed out after 300 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2000);
  });

  it('a slow answer within the timeout is healthy; beyond it, a timeout', async () => {
    const s = await server({ kind: 'status', status: 200, delayMs: 150 });
    await expect(probe(http(s.port, '/health', 1000))).resolves.toMatchObject({ ok: true, result: 'HTTP 200' });
    s.behave({ kind: 'status', status: 200, delayMs: 800 });
    await expect(probe(http(s.port, '/health', 200))).resolves.toMatchObject({
      ok: false,
      result: 'timed out after 200 ms',
    });
  });

  it('a refused connection is unhealthy', async () => {
    await expect(probe(http(await refusedPort()))).resolves.toMatchObject({ ok: false, result: 'connection refused' });
  });

  it('never resolves names: a host name is refused without any connection (not sent)', async () => {
    await expect(probe({ ...http(80), ip: 'localhost' })).resolves.toMatchObject({
      ok: false,
      notSent: true,
      result: 'not sent: not an IP address',
    });
  });
});

describe('TCP probes against real servers', () => {
  it('a listening port is healthy (connect only, nothing sent)', async () => {
    const s = await startTcpServer();
    try {
      const result = await probe({ ip: '127.0.0.1', port: s.port, check: { kind: 'tcp' }, timeoutMs: 500 });
      expect(result).toMatchObject({ ok: true, result: 'connected' });
      expect(s.connections()).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('a refused port is unhealthy', async () => {
    const port = await refusedPort();
    await expect(probe({ ip: '127.0.0.1', port, check: { kind: 'tcp' }, timeoutMs: 500 })).resolves.toMatchObject({
      ok: false,
      result: 'connection refused',
    });
  });

  it('a TCP check on an HTTP server that hangs is still healthy (it only connects)', async () => {
    const s = await startHttpServer({ kind: 'hang' });
    try {
      await expect(
        probe({ ip: '127.0.0.1', port: s.port, check: { kind: 'tcp' }, timeoutMs: 500 }),
      ).resolves.toMatchObject({ ok: true });
    } finally {
      await s.close();
    }
  });
});

describe('describeCheck', () => {
  it('names the check as it appears in logs and StopTask reasons', () => {
    expect(describeCheck({ ip: '10.0.1.7', port: 8080, check: { kind: 'http', path: '/health' } })).toBe(
      'HTTP GET http://10.0.1.7:8080/health',
    );
    expect(describeCheck({ ip: 'fd00::7', port: 53, check: { kind: 'tcp' } })).toBe('TCP [fd00::7]:53');
  });
});

describe('probes that cannot be sent (notSent: no evidence about the task)', () => {
  let server: LocalHttpServer;
  beforeAll(async () => {
    server = await startHttpServer({ kind: 'status', status: 200 });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    { name: 'a path with a space (Node: ERR_UNESCAPED_CHARACTERS)', over: { check: { kind: 'http', path: '/he alth' } }, result: 'not sent: invalid HTTP path' },
    { name: 'a path with a control character', over: { check: { kind: 'http', path: '/a\u0001b' } }, result: 'not sent: invalid HTTP path' },
    { name: 'a path without a leading slash', over: { check: { kind: 'http', path: 'health' } }, result: 'not sent: invalid HTTP path' },
    { name: 'an empty path', over: { check: { kind: 'http', path: '' } }, result: 'not sent: invalid HTTP path' },
    { name: 'port 0', over: { port: 0 }, result: 'not sent: invalid port' },
    { name: 'port 70000 (Node: ERR_SOCKET_BAD_PORT)', over: { port: 70_000 }, result: 'not sent: invalid port' },
    { name: 'a timeout of 0 ms', over: { timeoutMs: 0 }, result: 'not sent: invalid timeout' },
    { name: 'a timeout that is not a number', over: { timeoutMs: Number.NaN }, result: 'not sent: invalid timeout' },
    { name: 'a TCP probe to port 70000', over: { port: 70_000, check: { kind: 'tcp' } }, result: 'not sent: invalid port' },
  ] as { name: string; over: Partial<ProbeRequest>; result: string }[])('$name', async ({ over, result }) => {
    const request = { ...http(server.port), ...over };
    await expect(probe(request)).resolves.toMatchObject({ ok: false, notSent: true, result });
    expect(server.paths).toEqual([]); // nothing reached the server
  });

  it('a probe that was sent and failed is not marked notSent', async () => {
    const s = await startHttpServer({ kind: 'status', status: 500 });
    try {
      const result = await probe(http(s.port));
      expect(result).toMatchObject({ ok: false, result: 'HTTP 500' });
      expect(result.notSent).toBeUndefined();
      const refused = await probe(http(await refusedPort()));
      expect(refused.notSent).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it.each([
    ['ERR_UNESCAPED_CHARACTERS', true],
    ['ERR_INVALID_CHAR', true],
    ['ERR_INVALID_ARG_VALUE', true],
    ['ERR_SOCKET_BAD_PORT', true],
    ['ECONNREFUSED', false],
    ['ECONNRESET', false],
    ['HPE_INVALID_CONSTANT', false],
    [undefined, false],
  ])('Node error %s is a refusal to send: %s', (code, expected) => {
    expect(isNotSentError(Object.assign(new Error('x'), { code }))).toBe(expected);
  });
});
