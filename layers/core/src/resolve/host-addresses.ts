// bridge/host tasks are reached at their EC2 host's addresses: container instance -> EC2 instance -> private IPv4
// (PrivateIpAddress) and primary IPv6 (Ipv6Address, else the primary interface's first Ipv6Addresses entry).
// Lookups are batched per cluster (100 container instances per DescribeContainerInstances, 100 instance IDs per
// DescribeInstances) and successes are cached.
//
// Failures are classified here, once:
//   permanent  the container instance is unknown to ECS (failure MISSING) or deregistered (INACTIVE), has no EC2
//              instance, the EC2 instance does not exist (InvalidInstanceID.NotFound), is terminated or has no
//              private address, the cluster is gone, or the call is not allowed (AccessDenied, UnauthorizedOperation).
//              Returned in `unresolvable` with the reason: retrying the same message cannot help, so the task is
//              stored UNRESOLVED, the message is consumed, and the reconciler tries again on its next run.
//   transient  anything else (throttling, 5xx, timeouts, network): thrown, so the message is retried.
// A container instance ECS neither describes nor reports as a failure is in neither map (unknown, not proof).
import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { isIP } from 'node:net';
import { ec2Client, ecsClient } from '../aws/clients';
import { chunk } from '../util/batching';
import { errorName } from '../util/retry';
import { deadlineCall } from '../util/deadline';

/** The addresses of an EC2 host; at least one is set. */
export interface HostAddress {
  /** private IPv4 literal */
  ip?: string;
  /** primary IPv6 literal, when the instance has one */
  ipv6?: string;
}

export interface HostLookup {
  /** containerInstanceArn -> the host's addresses */
  addresses: Map<string, HostAddress>;
  /** containerInstanceArn -> why it can never resolve (permanent) */
  unresolvable: Map<string, string>;
}

export const emptyHostLookup = (): HostLookup => ({ addresses: new Map(), unresolvable: new Map() });

/** Errors that no retry of the same call can fix (ECS: AccessDeniedException, ClusterNotFoundException; EC2:
 * UnauthorizedOperation). Everything else is treated as transient. */
const PERMANENT_ERRORS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'ClusterNotFoundException',
]);
const INSTANCE_NOT_FOUND = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);

export const isPermanentHostLookupError = (error: unknown): boolean => PERMANENT_ERRORS.has(errorName(error) ?? '');

const describeError = (error: unknown) => `${errorName(error) ?? 'Error'}: ${(error as Error).message ?? ''}`.trim();

const CACHE_TTL_MS = 10 * 60 * 1000;
const cache = new Map<string, { address: HostAddress; at: number }>();

/** The last path segment of an ECS ARN: ECS (and moto) may answer in another ARN format than asked. */
const idOf = (arn: string) => arn.split('/').pop() ?? arn;

function addressOf(instance: Instance): HostAddress {
  const ip = instance.PrivateIpAddress && isIP(instance.PrivateIpAddress) === 4 ? instance.PrivateIpAddress : undefined;
  const interfaces = [...(instance.NetworkInterfaces ?? [])].sort(
    (a, b) => (a.Attachment?.DeviceIndex ?? 99) - (b.Attachment?.DeviceIndex ?? 99),
  );
  const primaryInterface = interfaces[0]?.Ipv6Addresses ?? [];
  const candidates = [
    instance.Ipv6Address,
    ...primaryInterface.filter((a) => a.IsPrimaryIpv6).map((a) => a.Ipv6Address),
    ...primaryInterface.map((a) => a.Ipv6Address),
  ];
  const ipv6 = candidates.find((a): a is string => !!a && isIP(a) === 6);
  return { ...(ip ? { ip } : {}), ...(ipv6 ? { ipv6 } : {}) };
}

/**
 * Resolves container instances to their EC2 host's addresses.
 * @param requests the container instances to resolve, each with its cluster (name or ARN)
 * @returns addresses for the resolvable ones, reasons for the permanently unresolvable ones (see the header)
 * @param deadline epoch ms: no call starts after it and a call in flight is aborted at it
 * @throws the SDK error of a transient failure (throttling, 5xx, timeout) or DeadlineExceededError: the caller
 *   retries later
 */
export async function hostAddresses(
  requests: { clusterArn: string; containerInstanceArn: string }[],
  deadline?: number,
): Promise<HostLookup> {
  const result = emptyHostLookup();
  const now = Date.now();
  const missing = new Map<string, Set<string>>();
  for (const { clusterArn, containerInstanceArn } of requests) {
    const hit = cache.get(containerInstanceArn);
    if (hit && now - hit.at < CACHE_TTL_MS) result.addresses.set(containerInstanceArn, hit.address);
    else (missing.get(clusterArn) ?? missing.set(clusterArn, new Set()).get(clusterArn)!).add(containerInstanceArn);
  }
  // EC2 instance id -> the container instance ARNs (as requested) it hosts
  const hostedOn = new Map<string, string[]>();
  for (const [cluster, arns] of missing) {
    for (const batch of chunk([...arns], 100)) {
      const byId = new Map(batch.map((arn) => [idOf(arn), arn]));
      let out;
      try {
        out = await deadlineCall(deadline, 'DescribeContainerInstances', (sendOptions) =>
          ecsClient().send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }), sendOptions),
        );
      } catch (error) {
        if (!isPermanentHostLookupError(error)) throw error;
        for (const arn of batch) result.unresolvable.set(arn, `DescribeContainerInstances: ${describeError(error)}`);
        continue;
      }
      for (const failure of out.failures ?? []) {
        const arn = failure.arn ? byId.get(idOf(failure.arn)) : undefined;
        if (arn && failure.reason === 'MISSING') result.unresolvable.set(arn, 'ECS does not know the container instance (MISSING)');
      }
      for (const ci of out.containerInstances ?? []) {
        const arn = ci.containerInstanceArn ? byId.get(idOf(ci.containerInstanceArn)) : undefined;
        if (!arn) continue;
        if (ci.status === 'INACTIVE') result.unresolvable.set(arn, 'the container instance is deregistered (INACTIVE)');
        else if (!ci.ec2InstanceId) result.unresolvable.set(arn, 'the container instance names no EC2 instance');
        else (hostedOn.get(ci.ec2InstanceId) ?? hostedOn.set(ci.ec2InstanceId, []).get(ci.ec2InstanceId)!).push(arn);
      }
    }
  }
  const unresolvable = (instanceId: string, reason: string) => {
    for (const arn of hostedOn.get(instanceId) ?? []) result.unresolvable.set(arn, reason);
  };
  for (const batch of chunk([...hostedOn.keys()], 100)) {
    for (const { instanceId, instance, error } of await describeInstances(batch, deadline)) {
      if (error) unresolvable(instanceId, `DescribeInstances: ${describeError(error)}`);
      else if (!instance) unresolvable(instanceId, `EC2 instance ${instanceId} does not exist`);
      else if (['shutting-down', 'terminated'].includes(instance.State?.Name ?? '')) {
        unresolvable(instanceId, `EC2 instance ${instanceId} is ${instance.State?.Name}`);
      } else {
        const address = addressOf(instance);
        if (!address.ip && !address.ipv6) {
          unresolvable(instanceId, `EC2 instance ${instanceId} has no private IPv4 or IPv6 address`);
          continue;
        }
        for (const arn of hostedOn.get(instanceId) ?? []) {
          cache.set(arn, { address, at: now });
          result.addresses.set(arn, address);
        }
      }
    }
  }
  return result;
}

/**
 * DescribeInstances by ID (no paging: explicit IDs return every match at once). One unknown ID fails the whole call
 * with InvalidInstanceID.NotFound, so the batch is then asked one ID at a time to tell which one is gone.
 */
async function describeInstances(
  ids: string[],
  deadline: number | undefined,
): Promise<{ instanceId: string; instance?: Instance; error?: unknown }[]> {
  try {
    const out = await deadlineCall(deadline, 'DescribeInstances', (sendOptions) =>
      ec2Client().send(new DescribeInstancesCommand({ InstanceIds: ids }), sendOptions),
    );
    const found = new Map(
      (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId ?? '', i] as const),
    );
    return ids.map((instanceId) => ({ instanceId, instance: found.get(instanceId) }));
  } catch (error) {
    if (isPermanentHostLookupError(error)) return ids.map((instanceId) => ({ instanceId, error }));
    if (!INSTANCE_NOT_FOUND.has(errorName(error) ?? '')) throw error;
    if (ids.length === 1) return [{ instanceId: ids[0] }];
    const one = [];
    for (const id of ids) one.push(...(await describeInstances([id], deadline)));
    return one;
  }
}

export function clearHostAddressCache(): void {
  cache.clear();
}
