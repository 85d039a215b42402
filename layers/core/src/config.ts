// Runtime settings, read once from the environment the template sets. Invalid settings fail the cold start loudly
// rather than writing wrong records.
import { z } from 'zod';
import { checkZoneName } from './naming/names';

const commaList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const ConfigSchema = z.object({
  STATE_TABLE_NAME: z.string().min(1),
  IDEMPOTENCY_TABLE_NAME: z.string().optional(),
  HOSTED_ZONE_ID: z.string().min(1).transform((v) => v.replace(/^\/hostedzone\//, '')),
  // The hosted zone's name: RFC 1035 limits, with room left for the names composed under it (naming/names).
  ZONE_NAME: z
    .string()
    .min(1)
    .transform((v) => v.trim().toLowerCase().replace(/\.$/, ''))
    .superRefine((v, ctx) => {
      const checked = checkZoneName(v);
      if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem });
    }),
  RECORD_TTL: z.coerce.number().int().min(0).max(2147483647).default(10),
  SRV_NAME_FORMAT: z.enum(['plain', 'rfc2782']).default('plain'),
  HOST_ADDRESS_RECORDS: z.enum(['true', 'false']).default('false'),
  CLUSTER_ARNS: commaList,
  OWNER_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).default('ecs-service-discovery'),
  TOMBSTONE_TTL_SECONDS: z.coerce.number().int().min(60).default(86400),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
});

export interface Config {
  stateTableName: string;
  idempotencyTableName?: string;
  hostedZoneId: string;
  zoneName: string;
  recordTtl: number;
  srvNameFormat: 'plain' | 'rfc2782';
  /** also list bridge/host tasks' host addresses in the service-level A/AAAA sets */
  hostAddressRecords?: boolean;
  clusterArns: string[];
  ownerId: string;
  tombstoneTtlSeconds: number;
  idempotencyTtlSeconds: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    stateTableName: e.STATE_TABLE_NAME,
    idempotencyTableName: e.IDEMPOTENCY_TABLE_NAME || undefined,
    hostedZoneId: e.HOSTED_ZONE_ID,
    zoneName: e.ZONE_NAME,
    recordTtl: e.RECORD_TTL,
    srvNameFormat: e.SRV_NAME_FORMAT,
    hostAddressRecords: e.HOST_ADDRESS_RECORDS === 'true',
    clusterArns: e.CLUSTER_ARNS,
    ownerId: e.OWNER_ID,
    tombstoneTtlSeconds: e.TOMBSTONE_TTL_SECONDS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
  };
}

/** A cluster is in scope when no filter is set, or its ARN (or bare name) is listed. */
export function clusterInScope(config: Pick<Config, 'clusterArns'>, clusterArn: string): boolean {
  if (config.clusterArns.length === 0) return true;
  const name = clusterArn.split('/').pop();
  return config.clusterArns.some((c) => c === clusterArn || c === name);
}
