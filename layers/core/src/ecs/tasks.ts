// The ECS calls the health checker and the reconciler make: which clusters and running tasks exist, what
// DescribeTasks says about them (100 per call), and StopTask. The SDK client retries throttling (standard mode).
import {
  DescribeTasksCommand,
  StopTaskCommand,
  paginateListClusters,
  paginateListTasks,
  type Task,
} from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import { ecsClient } from '../aws/clients';
import { errorName } from '../util/retry';
import { chunk } from '../util/batching';
import { deadlineCall, pagesBefore } from '../util/deadline';

/** DescribeTasks accepts at most 100 tasks per call. */
export const DESCRIBE_TASKS_BATCH = 100;
/** StopTask rejects longer reasons. */
export const MAX_STOP_REASON_LENGTH = 255;

/**
 * Every cluster ARN of the account and Region, all pages (paginateListClusters). `deadline` (epoch ms): no page
 * after it, the page in flight aborted at it (DeadlineExceededError); a repeated nextToken throws PagingStalledError.
 */
export async function listClusterArns(deadline?: number): Promise<string[]> {
  const arns: string[] = [];
  const pages = pagesBefore(
    deadline,
    'ListClusters',
    (sendOptions) => paginateListClusters({ client: ecsClient() }, {}, sendOptions),
    (page) => page.nextToken,
  );
  for await (const page of pages) arns.push(...(page.clusterArns ?? []));
  return arns;
}

/** Tasks ECS wants running (desiredStatus RUNNING: includes PENDING ones), all pages; `deadline` as listClusterArns. */
export async function listRunningTaskArns(cluster: string, deadline?: number): Promise<string[]> {
  const arns: string[] = [];
  const pages = pagesBefore(
    deadline,
    'ListTasks',
    (sendOptions) =>
      paginateListTasks({ client: ecsClient(), pageSize: 100 }, { cluster, desiredStatus: 'RUNNING' }, sendOptions),
    (page) => page.nextToken,
  );
  for await (const page of pages) arns.push(...(page.taskArns ?? []));
  return arns;
}

export interface DescribedTasks {
  tasks: Task[];
  /** task ARNs ECS says it no longer knows: failure MISSING, or the cluster is gone (ClusterNotFoundException) */
  missing: string[];
  /** other per-task failures: nothing is known about these tasks in this run */
  failed: { arn: string; reason: string }[];
  /** task ARNs ECS neither described nor reported as a failure: unknown this run (absence is not proof that a task
   * is gone; moto answers this way for every task it does not know) */
  unanswered: string[];
}

export const isClusterNotFound = (error: unknown) => errorName(error) === 'ClusterNotFoundException';

/**
 * DescribeTasks in batches of 100, a few batches at a time.
 * Only a MISSING failure or a deleted cluster (ClusterNotFoundException: a cluster can only be deleted once it runs
 * no task, so its tasks are gone) is proof that a task no longer exists; a task the answer leaves out is `unanswered`
 * and callers leave it alone this run.
 * @throws other errors of the call (throttling beyond the SDK's retries, access denied)
 */
export async function describeTasks(
  cluster: string,
  taskArns: string[],
  /** deadline: epoch ms; no batch starts after it and a batch in flight is aborted (DeadlineExceededError) */
  options: { concurrency?: number; deadline?: number } = {},
): Promise<DescribedTasks> {
  const limit = pLimit(options.concurrency ?? 4);
  const result: DescribedTasks = { tasks: [], missing: [], failed: [], unanswered: [] };
  await Promise.all(
    chunk([...new Set(taskArns)], DESCRIBE_TASKS_BATCH).map((batch) =>
      limit(async () => {
        try {
          const out = await deadlineCall(options.deadline, 'DescribeTasks', (sendOptions) =>
            ecsClient().send(new DescribeTasksCommand({ cluster, tasks: batch }), sendOptions),
          );
          const answered = new Set<string>();
          for (const task of out.tasks ?? []) {
            result.tasks.push(task);
            if (task.taskArn) answered.add(task.taskArn);
          }
          for (const failure of out.failures ?? []) {
            if (!failure.arn) continue;
            answered.add(failure.arn);
            if (failure.reason === 'MISSING') result.missing.push(failure.arn);
            else result.failed.push({ arn: failure.arn, reason: failure.reason ?? 'unknown' });
          }
          // Neither described nor reported as a failure: unknown, not gone (see DescribedTasks.unanswered).
          result.unanswered.push(...batch.filter((arn) => !answered.has(arn)));
        } catch (error) {
          if (!isClusterNotFound(error)) throw error;
          // Proof: DeleteCluster refuses a cluster with active tasks (ClusterContainsTasksException), so the tasks of
          // a deleted cluster have stopped.
          result.missing.push(...batch);
        }
      }),
    ),
  );
  return result;
}

export async function stopTask(cluster: string, taskArn: string, reason: string): Promise<Task | undefined> {
  const out = await ecsClient().send(
    new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, MAX_STOP_REASON_LENGTH) }),
  );
  return out.task;
}
