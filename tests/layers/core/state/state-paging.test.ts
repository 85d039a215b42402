// State reads beyond one page: membership Query and whole-table Scan go through lib-dynamodb's paginators, read
// every page (moto honours Limit, so small pages stand in for DynamoDB's 1 MB pages), and stop at the deadline.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  DeadlineExceededError,
  documentClient,
  resetClients,
  scanItems,
  scanTasksAndMembers,
  TaskStateStore,
  memberKey,
  taskKey,
} from '@ecs-sd/core';
import { recordAwsCalls } from '../../../support/aws-calls';
import { resetMoto } from '../../../support/moto';
import { createTables } from '../../../support/tables';

const MEMBERS = 7;
const TASKS = 5;

async function stateTable(): Promise<string> {
  await resetMoto();
  resetClients();
  const { stateTableName } = await createTables();
  for (let i = 0; i < TASKS; i++) {
    const taskArn = `arn:aws:ecs:us-east-1:123456789012:task/demo/t${i}`;
    await documentClient().send(
      new PutCommand({ TableName: stateTableName, Item: { ...taskKey(taskArn), taskArn, taskId: `t${i}`, status: 'REGISTERED' } }),
    );
  }
  for (let i = 0; i < MEMBERS; i++) {
    const taskArn = `arn:aws:ecs:us-east-1:123456789012:task/demo/m${i}`;
    await documentClient().send(
      new PutCommand({ TableName: stateTableName, Item: { ...memberKey('web', taskArn), taskArn, taskId: `m${i}`, endpoints: [] } }),
    );
  }
  return stateTableName;
}

/** Runs `fn` and returns how many calls of each DynamoDB operation it made. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; counts: Map<string, number> }> {
  const recorder = recordAwsCalls();
  try {
    return { result: await fn(), counts: recorder.counts };
  } finally {
    recorder.stop();
  }
}

describe('state reads across pages', () => {
  it('members() reads every Query page', async () => {
    const table = await stateTable();
    const { result, counts } = await counting(() => new TaskStateStore(table).members('web', { pageSize: 2 }));
    expect(result.map((m) => m.taskId).sort()).toEqual(Array.from({ length: MEMBERS }, (_, i) => `m${i}`));
    expect(counts.get('dynamodb:Query')).toBe(Math.ceil(MEMBERS / 2));
  });

  it('scanItems reads every Scan page of every segment', async () => {
    const table = await stateTable();
    const { result, counts } = await counting(() =>
      scanItems(table, { filter: 'sk = :task', values: { ':task': 'TASK' }, segments: 2, pageSize: 2 }),
    );
    expect(result.map((item) => item.taskId).sort()).toEqual(Array.from({ length: TASKS }, (_, i) => `t${i}`));
    // 12 items, 2 per page: at least 6 pages whatever the split between the segments
    expect(counts.get('dynamodb:Scan')).toBeGreaterThanOrEqual(6);
  });

  it.each([
    ['members()', (table: string) => new TaskStateStore(table).members('web', { deadline: Date.now() - 1 })],
    ['scanTasksAndMembers', (table: string) => scanTasksAndMembers(table, 2, Date.now() - 1)],
  ])('%s makes no call once the deadline has passed', async (_, read) => {
    const table = await stateTable();
    const recorder = recordAwsCalls();
    try {
      await expect(read(table)).rejects.toThrow(DeadlineExceededError);
      expect(recorder.counts.size).toBe(0);
    } finally {
      recorder.stop();
    }
  });
});
