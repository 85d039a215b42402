// Settings of the health checker (template parameters -> environment). Invalid values fail the cold start.
// The path, timeout and flag rules are shared with the per-endpoint SERVICE_<port>_CHECK_* settings (./check-settings).
import { z } from 'zod';
import { CHECK_PATH_RULE, CHECK_TIMEOUT_SECONDS, isValidCheckPath, parseFlag } from './check-settings';

const bool = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const flag = v === undefined ? undefined : parseFlag(v);
    if (flag !== null) return flag;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
    return z.NEVER;
  });

export interface StatusRange {
  from: number;
  to: number;
}

/** "200-299,301" -> ranges; undefined when malformed. */
export function parseStatusCodes(value: string): StatusRange[] | undefined {
  const ranges: StatusRange[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 100 || to > 599 || from > to) return undefined;
    ranges.push({ from, to });
  }
  return ranges.length > 0 ? ranges : undefined;
}

export const isHealthyStatus = (ranges: StatusRange[], status: number) =>
  ranges.some((r) => status >= r.from && status <= r.to);

const HealthSchema = z.object({
  UNHEALTHY_THRESHOLD: z.coerce.number().int().min(1).max(100).default(3),
  HEALTHY_THRESHOLD: z.coerce.number().int().min(1).max(100).default(2),
  GRACE_PERIOD_SECONDS: z.coerce.number().int().min(0).max(86400).default(60),
  STOP_UNHEALTHY_TASKS: bool,
  MAX_STOP_PERCENT: z.coerce.number().min(0).max(100).default(50),
  PANIC_THRESHOLD: z.coerce.number().min(0).max(100).default(50),
  PANIC_MIN_PROBES: z.coerce.number().int().min(1).max(100000).default(5),
  HEALTH_CHECK_PATH: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? '/health' : v.trim()))
    .refine(isValidCheckPath, CHECK_PATH_RULE),
  HEALTH_CHECK_TIMEOUT_SECONDS: z.coerce.number().min(CHECK_TIMEOUT_SECONDS.min).max(CHECK_TIMEOUT_SECONDS.max).default(2),
  PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  HEALTHY_STATUS_CODES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ranges = parseStatusCodes(v?.trim() || '200-299');
      if (!ranges) {
        ctx.addIssue({ code: 'custom', message: `expected codes or ranges such as 200-299,301, got "${v}"` });
        return z.NEVER;
      }
      return ranges;
    }),
  HEALTH_RECORD_TTL_SECONDS: z.coerce.number().int().min(600).default(86400),
});

export interface HealthConfig {
  unhealthyThreshold: number;
  healthyThreshold: number;
  gracePeriodSeconds: number;
  stopUnhealthyTasks: boolean;
  maxStopPercent: number;
  /** percent of probes (of tasks past their grace period) that may fail before the run changes nothing */
  panicThreshold: number;
  /** panic applies only when at least this many probes (of tasks past their grace period) were counted */
  panicMinProbes: number;
  /** HTTP path probed on endpoints without SERVICE_<port>_CHECK_*; empty = probe only those with a check */
  defaultPath: string;
  defaultTimeoutMs: number;
  concurrency: number;
  healthyStatus: StatusRange[];
  recordTtlSeconds: number;
}

export function loadHealthConfig(env: NodeJS.ProcessEnv = process.env): HealthConfig {
  const parsed = HealthSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid health checker configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    unhealthyThreshold: e.UNHEALTHY_THRESHOLD,
    healthyThreshold: e.HEALTHY_THRESHOLD,
    gracePeriodSeconds: e.GRACE_PERIOD_SECONDS,
    stopUnhealthyTasks: e.STOP_UNHEALTHY_TASKS ?? true,
    maxStopPercent: e.MAX_STOP_PERCENT,
    panicThreshold: e.PANIC_THRESHOLD,
    panicMinProbes: e.PANIC_MIN_PROBES,
    defaultPath: e.HEALTH_CHECK_PATH,
    defaultTimeoutMs: Math.round(e.HEALTH_CHECK_TIMEOUT_SECONDS * 1000),
    concurrency: e.PROBE_CONCURRENCY,
    healthyStatus: e.HEALTHY_STATUS_CODES,
    recordTtlSeconds: e.HEALTH_RECORD_TTL_SECONDS,
  };
}
