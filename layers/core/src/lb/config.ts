// Settings only the LB registrar reads (the rest comes from loadConfig(), shared with the task registrar).
import { z } from 'zod';

const LbConfigSchema = z.object({
  /** CNAME: `<service>.<zone>` CNAME to the load balancer's DNS name (TTL = RECORD_TTL).
   *  ALIAS: an alias A record to the load balancer, EvaluateTargetHealth on (no TTL: Route 53 uses the target's). */
  LB_RECORD_TYPE: z.enum(['CNAME', 'ALIAS']).default('CNAME'),
});

export type LbRecordType = 'CNAME' | 'ALIAS';

export interface LbConfig {
  recordType: LbRecordType;
}

export function loadLbConfig(env: NodeJS.ProcessEnv = process.env): LbConfig {
  const parsed = LbConfigSchema.safeParse({ LB_RECORD_TYPE: env.LB_RECORD_TYPE || undefined });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return { recordType: parsed.data.LB_RECORD_TYPE };
}
