import {
  assertBeforeDeadline,
  cursorGuard,
  deadlineCall,
  DeadlineExceededError,
  pagesBefore,
  PagingStalledError,
  type DeadlineCallOptions,
} from '@ecs-sd/core';

/** A call that answers only when aborted, the way the SDK's http handler rejects an aborted request. */
const hangingCall = (options: DeadlineCallOptions): Promise<never> =>
  new Promise((_, reject) => {
    options.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
  });

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('assertBeforeDeadline', () => {
  it.each([
    ['no deadline', undefined, false],
    ['a deadline ahead', Date.now() + 60_000, false],
    ['a deadline passed', Date.now() - 1, true],
  ])('%s', (_, deadline, throws) => {
    const check = () => assertBeforeDeadline(deadline, 'Scan');
    if (throws) expect(check).toThrow(DeadlineExceededError);
    else expect(check).not.toThrow();
  });
});

describe('deadlineCall', () => {
  it('aborts a call that does not answer by the deadline, as DeadlineExceededError', async () => {
    await expect(deadlineCall(Date.now() + 50, 'DescribeTasks', hangingCall)).rejects.toThrow(
      /deadline passed before DescribeTasks/,
    );
  });

  it('does not start a call once the deadline has passed', async () => {
    const call = jest.fn(async () => 'answer');
    await expect(deadlineCall(Date.now() - 1, 'Query', call)).rejects.toThrow(DeadlineExceededError);
    expect(call).not.toHaveBeenCalled();
  });

  it('keeps the error of a call that failed on its own, and the answer of one that succeeded', async () => {
    const failure = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    await expect(deadlineCall(Date.now() + 60_000, 'Query', async () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(deadlineCall(undefined, 'Query', async () => 'answer')).resolves.toBe('answer');
  });
});

describe('pagesBefore', () => {
  /** A paginator over `cursors` (one page per cursor; the last page's cursor is the next page's token). */
  function paginator(cursors: (string | undefined)[], sent: DeadlineCallOptions[] = []) {
    return (options: DeadlineCallOptions) =>
      (async function* () {
        for (const cursor of cursors) {
          sent.push(options);
          yield { cursor };
        }
      })();
  }

  it('reads every page and hands the abort signal to every request', async () => {
    const sent: DeadlineCallOptions[] = [];
    const pages = await collect(pagesBefore(Date.now() + 60_000, 'ListTasks', paginator(['a', 'b', undefined], sent), (p) => p.cursor));
    expect(pages.map((p) => p.cursor)).toEqual(['a', 'b', undefined]);
    expect(sent.every((o) => o.abortSignal !== undefined)).toBe(true);
  });

  it('stops on a cursor it has seen before instead of paging forever', async () => {
    const endless = () =>
      (async function* () {
        for (;;) yield { cursor: { pk: 'NAME#web', sk: 'TASK#1' } };
      })();
    await expect(collect(pagesBefore(undefined, 'Query', endless, (p) => p.cursor))).rejects.toThrow(PagingStalledError);
  });

  it('requests no page after the deadline', async () => {
    let requested = 0;
    const slow = () =>
      (async function* () {
        for (let i = 0; ; i++) {
          requested++;
          await new Promise((resolve) => setTimeout(resolve, 30));
          yield { cursor: `page-${i}` };
        }
      })();
    await expect(collect(pagesBefore(Date.now() + 100, 'Scan', slow, (p) => p.cursor))).rejects.toThrow(DeadlineExceededError);
    expect(requested).toBeLessThan(10);
  });
});

describe('cursorGuard', () => {
  it('compares cursors by value, objects included', () => {
    const advance = cursorGuard('Scan');
    advance({ pk: 'a' });
    advance({ pk: 'b' });
    expect(() => advance({ pk: 'a' })).toThrow(PagingStalledError);
  });
});
