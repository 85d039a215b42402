// bridge/host tasks are reached at their EC2 host's private IP: container instance -> EC2 instance -> IP.
// Lookups are batched per cluster (100 container instances per DescribeContainerInstances) and cached.
import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { ec2Client, ecsClient } from '../aws/clients';
import { chunk } from '../util/batching';
import { deadlineCall } from '../util/deadline';

const CACHE_TTL_MS = 10 * 60 * 1000;
const cache = new Map<string, { ip: string; at: number }>();

/**
 * Returns containerInstanceArn -> private IP for every resolvable instance. `deadline` (epoch ms): no call starts
 * after it and a call in flight is aborted at it (DeadlineExceededError).
 */
export async function hostAddresses(
  requests: { clusterArn: string; containerInstanceArn: string }[],
  deadline?: number,
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const now = Date.now();
  const missing = new Map<string, Set<string>>();
  for (const { clusterArn, containerInstanceArn } of requests) {
    const hit = cache.get(containerInstanceArn);
    if (hit && now - hit.at < CACHE_TTL_MS) result.set(containerInstanceArn, hit.ip);
    else (missing.get(clusterArn) ?? missing.set(clusterArn, new Set()).get(clusterArn)!).add(containerInstanceArn);
  }
  const instanceOf = new Map<string, string>();
  for (const [cluster, arns] of missing) {
    for (const batch of chunk([...arns], 100)) {
      const out = await deadlineCall(deadline, 'DescribeContainerInstances', (sendOptions) =>
        ecsClient().send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }), sendOptions),
      );
      for (const ci of out.containerInstances ?? []) {
        if (ci.containerInstanceArn && ci.ec2InstanceId) instanceOf.set(ci.ec2InstanceId, ci.containerInstanceArn);
      }
    }
  }
  for (const batch of chunk([...instanceOf.keys()], 100)) {
    const out = await deadlineCall(deadline, 'DescribeInstances', (sendOptions) =>
      ec2Client().send(new DescribeInstancesCommand({ InstanceIds: batch }), sendOptions),
    );
    for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const arn = instance.InstanceId ? instanceOf.get(instance.InstanceId) : undefined;
      if (arn && instance.PrivateIpAddress) {
        cache.set(arn, { ip: instance.PrivateIpAddress, at: now });
        result.set(arn, instance.PrivateIpAddress);
      }
    }
  }
  return result;
}

export function clearHostAddressCache(): void {
  cache.clear();
}
