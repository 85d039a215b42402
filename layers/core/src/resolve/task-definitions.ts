// Task definition revisions are immutable, so each ARN is described once per container lifetime.
import { DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import { ecsClient } from '../aws/clients';
import { deadlineCall } from '../util/deadline';

const MAX_ENTRIES = 500;
const cache = new Map<string, Promise<TaskDefinition>>();

/**
 * The task definition of an ARN, described once and cached (a failed lookup is not cached).
 * @param deadline epoch ms: the call does not start after it and is aborted at it (DeadlineExceededError)
 */
export function describeTaskDefinition(taskDefinitionArn: string, deadline?: number): Promise<TaskDefinition> {
  const hit = cache.get(taskDefinitionArn);
  if (hit) return hit;
  const pending = deadlineCall(deadline, 'DescribeTaskDefinition', (sendOptions) =>
    ecsClient().send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }), sendOptions),
  ).then((out) => {
      if (!out.taskDefinition) throw new Error(`Task definition ${taskDefinitionArn} not found`);
      return out.taskDefinition;
    });
  // A failed lookup must not be cached.
  pending.catch(() => cache.delete(taskDefinitionArn));
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(taskDefinitionArn, pending);
  return pending;
}

export function clearTaskDefinitionCache(): void {
  cache.clear();
}
