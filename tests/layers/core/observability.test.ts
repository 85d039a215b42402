// instrumentHandler: the one wrapper every handler goes through (Powertools' injectLambdaContext, logMetrics with
// the cold-start metric, captureLambdaHandler). Read from what it writes: JSON log lines and EMF documents.
import { countMetric, instrumentHandler, logger, metrics } from '@ecs-sd/core';
import { captureLogs, lambdaContext } from '../../support/registrar-fixture';

type Line = Record<string, unknown>;
const emfDocs = (lines: Line[]) => lines.filter((l) => '_aws' in l);
const logLines = (lines: Line[]) => lines.filter((l) => !('_aws' in l));

describe('instrumentHandler', () => {
  it('flushes the metrics once per invocation; the first invocation also emits ColdStart with the function name', async () => {
    // Powertools counts a cold start only where Lambda says the environment was initialised on demand; a fresh copy
    // of the layer, loaded as in a new execution environment.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    let core!: typeof import('@ecs-sd/core');
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        core = require('@ecs-sd/core');
      });
    } finally {
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
    const handler = core.instrumentHandler(async (n: number) => {
      core.countMetric('TasksRegistered', n);
      core.countMetric('TasksRegistered', 1);
      return n;
    });
    const first = await captureLogs(() => handler(2, lambdaContext(10_000)));
    expect(first.result).toBe(2);
    const cold = emfDocs(first.lines).filter((l) => 'ColdStart' in l);
    expect(cold).toHaveLength(1);
    expect(cold[0]).toMatchObject({ ColdStart: 1, function_name: 'TaskRegistrarFunction' });
    const app = emfDocs(first.lines).filter((l) => 'TasksRegistered' in l);
    expect(app.map((l) => l.TasksRegistered)).toEqual([[2, 1]]);

    const second = await captureLogs(() => handler(5, lambdaContext(10_000)));
    expect(emfDocs(second.lines).filter((l) => 'ColdStart' in l)).toEqual([]);
    expect(emfDocs(second.lines).map((l) => l.TasksRegistered)).toEqual([[5, 1]]);
  });

  it('puts the request id and cold start on every log line of the invocation, also of child loggers', async () => {
    const context = lambdaContext(10_000);
    const handler = instrumentHandler(async () => {
      logger.info('from the handler');
      logger.createChild({ persistentKeys: { taskArn: 't' } }).warn('from a child');
    });
    const { lines } = await captureLogs(() => handler(undefined, context));
    const logged = logLines(lines).filter((l) => /from /.test(String(l.message)));
    expect(logged).toHaveLength(2);
    for (const line of logged) {
      expect(line).toMatchObject({ function_request_id: context.awsRequestId, function_name: 'TaskRegistrarFunction' });
      expect(typeof line.cold_start).toBe('boolean');
    }
  });

  it('flushes the metrics of an invocation that throws, and rethrows its error', async () => {
    const handler = instrumentHandler(async () => {
      countMetric('FailedEvents');
      throw new Error('boom');
    });
    const { result, lines } = await captureLogs(() =>
      handler(undefined, lambdaContext(10_000)).then(
        () => undefined,
        (error: Error) => error,
      ),
    );
    expect(result).toEqual(new Error('boom'));
    expect(emfDocs(lines).filter((l) => 'FailedEvents' in l).map((l) => l.FailedEvents)).toEqual([1]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('hands the handler the context it got: undefined when invoked without one', async () => {
    const seen: unknown[] = [];
    const handler = instrumentHandler(async (_e: unknown, context?: unknown) => {
      seen.push(context);
    });
    const context = lambdaContext(1_000);
    await captureLogs(() => handler(undefined));
    await captureLogs(() => handler(undefined, context));
    expect(seen).toEqual([undefined, context]);
  });
});
