// Resolves an ECS service's load balancer entries to the load balancers' DNS names and canonical hosted zones.
//
//   ALB / NLB (targetGroupArn)    DescribeTargetGroups -> LoadBalancerArns -> DescribeLoadBalancers
//                                 -> DNSName + CanonicalHostedZoneId
//   Classic (loadBalancerName)    elb DescribeLoadBalancers -> DNSName + CanonicalHostedZoneNameID
//
// Not-found answers (target group or load balancer gone, target group attached to no load balancer) are results,
// not errors: the caller decides (no record). Anything else (throttling, network, access denied) is thrown so the
// event is retried.
import { DescribeLoadBalancersCommand as DescribeClassicCommand } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbClient, elbv2Client } from '../aws/clients';
import type { LoadBalancerRef } from '../parse/cloudtrail-event';
import { errorName } from '../util/retry';
import { deadlineCall } from '../util/deadline';

export interface LoadBalancerTarget {
  kind: 'application' | 'network' | 'gateway' | 'classic';
  /** the load balancer's ARN (for a Classic ELB, the ARN IAM uses: ...:loadbalancer/<name>) */
  arn: string;
  name: string;
  /** as the ELB API returns it */
  dnsName: string;
  /** for alias records; absent when the API gave none (moto's Classic ELB) */
  canonicalHostedZoneId?: string;
}

export interface UnresolvedLoadBalancer {
  ref: LoadBalancerRef;
  reason: string;
}

export interface ResolvedLoadBalancers {
  /** unique by ARN, sorted by ARN */
  targets: LoadBalancerTarget[];
  unresolved: UnresolvedLoadBalancer[];
}

const NOT_FOUND = new Set([
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
  'AccessPointNotFound',
  'AccessPointNotFoundException',
]);

export const isNotFound = (error: unknown): boolean => NOT_FOUND.has(errorName(error) ?? '');

/** The Classic ELB's ARN in the account and Region of `anyArn` (ECS services use load balancers of their Region). */
export function classicArn(name: string, anyArn: string): string {
  const m = /^arn:(aws[a-z-]*):[^:]+:([^:]+):(\d{12}):/.exec(anyArn);
  if (!m) throw new Error(`cannot derive a Region and account from ${anyArn}`);
  return `arn:${m[1]}:elasticloadbalancing:${m[2]}:${m[3]}:loadbalancer/${name}`;
}

async function describeV2(arn: string, deadline?: number): Promise<LoadBalancerTarget | undefined> {
  try {
    const out = await deadlineCall(deadline, 'DescribeLoadBalancers', (sendOptions) =>
      elbv2Client().send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }), sendOptions),
    );
    const lb = out.LoadBalancers?.[0];
    if (!lb?.DNSName) return undefined;
    return {
      kind: (lb.Type as LoadBalancerTarget['kind']) ?? 'application',
      arn: lb.LoadBalancerArn ?? arn,
      name: lb.LoadBalancerName ?? arn.split('/').slice(-2, -1)[0],
      dnsName: lb.DNSName,
      ...(lb.CanonicalHostedZoneId ? { canonicalHostedZoneId: lb.CanonicalHostedZoneId } : {}),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function resolveTargetGroup(
  ref: Extract<LoadBalancerRef, { kind: 'target-group' }>,
  deadline?: number,
): Promise<{ targets: LoadBalancerTarget[]; unresolved?: string }> {
  let lbArns: string[];
  try {
    // One ARN asked, one answer: no Marker paging needed (it pages only listings of many groups).
    const out = await deadlineCall(deadline, 'DescribeTargetGroups', (sendOptions) =>
      elbv2Client().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [ref.targetGroupArn] }), sendOptions),
    );
    lbArns = out.TargetGroups?.[0]?.LoadBalancerArns ?? [];
  } catch (error) {
    if (isNotFound(error)) return { targets: [], unresolved: 'target group not found' };
    throw error;
  }
  if (lbArns.length === 0) return { targets: [], unresolved: 'target group is not attached to a load balancer' };
  const targets: LoadBalancerTarget[] = [];
  for (const arn of lbArns) {
    const target = await describeV2(arn, deadline);
    if (target) targets.push(target);
  }
  return targets.length > 0 ? { targets } : { targets, unresolved: 'load balancer of the target group not found' };
}

async function resolveClassic(
  ref: Extract<LoadBalancerRef, { kind: 'classic' }>,
  anyArn: string,
  deadline?: number,
): Promise<{ targets: LoadBalancerTarget[]; unresolved?: string }> {
  try {
    const out = await deadlineCall(deadline, 'DescribeLoadBalancers', (sendOptions) =>
      elbClient().send(new DescribeClassicCommand({ LoadBalancerNames: [ref.loadBalancerName] }), sendOptions),
    );
    const lb = out.LoadBalancerDescriptions?.[0];
    if (!lb?.DNSName) return { targets: [], unresolved: 'Classic Load Balancer not found' };
    const name = lb.LoadBalancerName ?? ref.loadBalancerName;
    return {
      targets: [
        {
          kind: 'classic',
          arn: classicArn(name, anyArn),
          name,
          dnsName: lb.DNSName,
          ...(lb.CanonicalHostedZoneNameID ? { canonicalHostedZoneId: lb.CanonicalHostedZoneNameID } : {}),
        },
      ],
    };
  } catch (error) {
    if (isNotFound(error)) return { targets: [], unresolved: 'Classic Load Balancer not found' };
    throw error;
  }
}

/**
 * Resolves every entry (ECS allows at most five per service), one call per target group / load balancer so that
 * one missing resource does not hide the others. `anyArn` (e.g. the service's ARN) supplies the Region and account
 * of Classic ELB ARNs. `deadline` (epoch ms): no call starts after it and a call in flight is aborted at it
 * (DeadlineExceededError, thrown like any transient error).
 */
export async function resolveLoadBalancers(
  refs: LoadBalancerRef[],
  anyArn: string,
  deadline?: number,
): Promise<ResolvedLoadBalancers> {
  const byArn = new Map<string, LoadBalancerTarget>();
  const unresolved: UnresolvedLoadBalancer[] = [];
  for (const ref of refs) {
    const result =
      ref.kind === 'target-group' ? await resolveTargetGroup(ref, deadline) : await resolveClassic(ref, anyArn, deadline);
    for (const target of result.targets) byArn.set(target.arn, target);
    if (result.unresolved) unresolved.push({ ref, reason: result.unresolved });
  }
  const targets = [...byArn.values()].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  return { targets, unresolved };
}
