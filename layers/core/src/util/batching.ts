// Small helpers for AWS call batching and Lambda time budgets.
import type { Context } from 'aws-lambda';

/** Splits items into consecutive lists of at most `size` (AWS "up to N per call" limits). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The epoch ms by which an invocation must be done: the Lambda's remaining time (or `fallbackMs` without a context,
 * as in tests and scripts) less a safety margin, never less than one second from now.
 */
export function invocationDeadline(context: Context | undefined, fallbackMs: number, safetyMarginMs: number): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? fallbackMs;
  return Date.now() + Math.max(1000, remaining - safetyMarginMs);
}
