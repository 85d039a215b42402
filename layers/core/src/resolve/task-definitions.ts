// Task definition revisions are immutable, so each ARN is described once per container lifetime.
import { DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import { ecsClient } from '../aws/clients';

const MAX_ENTRIES = 500;
const cache = new Map<string, Promise<TaskDefinition>>();

export function describeTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinition> {
  const hit = cache.get(taskDefinitionArn);
  if (hit) return hit;
  const pending = ecsClient()
    .send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }))
    .then((out) => {
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
