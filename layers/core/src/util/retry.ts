// The one retry loop of the application: exponential backoff with full jitter, bounded by attempts and by a
// deadline (the Lambda's remaining time), so a throttled call gives up in time to report a batch item failure.
import { assertBeforeDeadline } from './deadline';

export interface RetryOptions {
  isRetryable: (error: unknown) => boolean;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** epoch ms after which no attempt starts, the first included (DeadlineExceededError) */
  deadline?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, a non-retryable error, `maxAttempts` (default 8) or `deadline`. Throws the
 * last error, or DeadlineExceededError when the deadline has passed before an attempt (the first included).
 */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    assertBeforeDeadline(options.deadline, `attempt ${attempt}`);
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !options.isRetryable(error)) throw error;
      const delay = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      if (options.deadline !== undefined && Date.now() + delay >= options.deadline) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as Error).name) : undefined;
}
