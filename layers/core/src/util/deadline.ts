// The invocation deadline, in one place: every loop that calls AWS checks it before each call (assertBeforeDeadline)
// and bounds the call itself by it (deadlineCall), so a slow or hung endpoint ends in a DeadlineExceededError the
// caller reports as transient (the message or run is retried) instead of Lambda killing the whole invocation.

/** Thrown when an invocation's deadline has passed before or during an AWS call. Transient: retry later. */
export class DeadlineExceededError extends Error {
  constructor(
    /** what was about to run or running, e.g. "ListResourceRecordSets" */
    readonly what: string,
    /** epoch ms */
    readonly deadline: number,
  ) {
    super(`Invocation deadline passed before ${what} finished (${Date.now() - deadline} ms late); retry later`);
    this.name = 'DeadlineExceededError';
  }
}

export const isDeadlineExceeded = (error: unknown): error is DeadlineExceededError =>
  error instanceof DeadlineExceededError;

/**
 * Throws DeadlineExceededError when `deadline` (epoch ms) has passed; no-op without a deadline.
 * @param what the call or step about to start, for the error message
 */
export function assertBeforeDeadline(deadline: number | undefined, what: string): void {
  if (deadline !== undefined && Date.now() >= deadline) throw new DeadlineExceededError(what, deadline);
}

/** The SDK's http handlers reject an aborted request with an error named AbortError. */
const isAbortError = (error: unknown): boolean => (error as Error | undefined)?.name === 'AbortError';

/** SDK v3 per-call options (`client.send(command, options)`, paginators' extra arguments): aborts at the deadline. */
export interface DeadlineCallOptions {
  abortSignal?: AbortSignal;
}

/**
 * Runs one AWS call bounded by `deadline` (epoch ms): refuses to start once it has passed, and aborts the request
 * (through the SDK's abortSignal, SDK retries included) when it is reached, throwing DeadlineExceededError either
 * way. Without a deadline it just runs `call` (the client's own connection/request timeouts still apply, see
 * aws/clients.ts).
 */
export async function deadlineCall<T>(
  deadline: number | undefined,
  what: string,
  call: (options: DeadlineCallOptions) => Promise<T>,
): Promise<T> {
  if (deadline === undefined) return call({});
  assertBeforeDeadline(deadline, what);
  // AbortSignal.timeout's timer does not keep the process alive.
  const abortSignal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
  try {
    return await call({ abortSignal });
  } catch (error) {
    // Only the abort is ours: an answer that arrived just before the deadline keeps its own error.
    if (abortSignal.aborted && isAbortError(error)) throw new DeadlineExceededError(what, deadline);
    throw error;
  }
}

/** A paging loop got back a cursor it had already sent: the API (or an emulator) would return the same pages forever. */
export class PagingStalledError extends Error {
  constructor(readonly what: string) {
    super(`${what} returned a paging cursor it had already returned; stopped paging rather than loop`);
    this.name = 'PagingStalledError';
  }
}

/**
 * Guards a paging loop against a cursor that does not move: the returned function throws PagingStalledError when
 * given a cursor it has seen before. Cursors are compared by their JSON form (DynamoDB's LastEvaluatedKey is an
 * object; the SDK paginators' stopOnSameToken compares with ===, which never matches objects).
 */
export function cursorGuard(what: string): (cursor: unknown) => void {
  const seen = new Set<string>();
  return (cursor) => {
    const key = JSON.stringify(cursor);
    if (seen.has(key)) throw new PagingStalledError(what);
    seen.add(key);
  };
}

/**
 * The pages of an SDK paginator (paginateScan, paginateListTasks, ...), bounded by `deadline` (epoch ms): no page is
 * requested once it has passed, and the request in flight is aborted at it (the paginator hands `options` to every
 * send), both as DeadlineExceededError. `cursorOf` gives a page's next-page cursor (undefined on the last page); a
 * cursor seen before throws PagingStalledError.
 */
export async function* pagesBefore<T>(
  deadline: number | undefined,
  what: string,
  paginate: (options: DeadlineCallOptions) => AsyncIterable<T>,
  cursorOf: (page: T) => unknown,
): AsyncGenerator<T> {
  assertBeforeDeadline(deadline, what);
  const abortSignal = deadline === undefined ? undefined : AbortSignal.timeout(Math.max(1, deadline - Date.now()));
  const advance = cursorGuard(what);
  try {
    for await (const page of paginate(abortSignal ? { abortSignal } : {})) {
      yield page;
      const cursor = cursorOf(page);
      if (cursor === undefined || cursor === null || cursor === '') return;
      advance(cursor);
      assertBeforeDeadline(deadline, what);
    }
  } catch (error) {
    if (deadline !== undefined && abortSignal?.aborted && isAbortError(error)) {
      throw new DeadlineExceededError(what, deadline);
    }
    throw error;
  }
}

/**
 * `work`, or DeadlineExceededError at the deadline (epoch ms) if it is still running then, for work whose own calls
 * cannot take an abort signal (e.g. a library's). The work is not cancelled; its late failure is swallowed.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number | undefined, what: string): Promise<T> {
  if (deadline === undefined) return work;
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, deadline)), Math.max(0, deadline - Date.now()));
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
