// DescribeTasks output shaped as a TaskEvent, and its version when ECS (or an emulator) gives none.
import type { Task } from '@aws-sdk/client-ecs';
import { inferVersion, judgeVersion, missingTaskStopEvent, snapshotEvent, type TaskState } from '@ecs-sd/core';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef0123456789abcdef';
const task = (over: Partial<Task> = {}): Task => ({
  taskArn: ARN,
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/demo',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  group: 'service:web',
  startedAt: new Date('2025-01-01T00:00:00Z'),
  attachments: [
    { type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '10.0.1.23' }] },
  ],
  containers: [{ name: 'app', healthStatus: 'HEALTHY' }],
  ...over,
});
const stored = (status: TaskState['status'], version = 4) => ({ status, version }) as TaskState;

describe('snapshotEvent', () => {
  it('keeps what the registrar reads: address, group, container health, dates as ISO strings', () => {
    const event = snapshotEvent(task({ version: 7 }), undefined, 'reconcile');
    expect(event).toMatchObject({
      eventId: `reconcile:${ARN}:7`,
      taskId: '0123456789abcdef0123456789abcdef',
      version: 7,
      serviceName: 'web',
      eniAddress: '10.0.1.23',
      startedAt: '2025-01-01T00:00:00.000Z',
      containers: [{ name: 'app', healthStatus: 'HEALTHY' }],
    });
  });

  it('uses the version ECS returns when there is one', () => {
    expect(snapshotEvent(task({ version: 3 }), stored('STARTING', 9)).version).toBe(3);
  });
});

describe('inferVersion (no version from DescribeTasks)', () => {
  it.each([
    { stored: undefined, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', expected: 0, verdict: 'apply' }, // no state yet
    { stored: stored('STARTING'), lastStatus: 'RUNNING', desiredStatus: 'RUNNING', expected: 5, verdict: 'apply' },
    { stored: stored('REGISTERED'), lastStatus: 'RUNNING', desiredStatus: 'RUNNING', expected: 4, verdict: 'replay' },
    { stored: stored('PENDING_HEALTH'), lastStatus: 'RUNNING', desiredStatus: 'RUNNING', expected: 4, verdict: 'replay' },
    { stored: stored('REGISTERED'), lastStatus: 'RUNNING', desiredStatus: 'STOPPED', expected: 5, verdict: 'apply' },
    { stored: stored('REGISTERED'), lastStatus: 'STOPPED', desiredStatus: 'STOPPED', expected: 5, verdict: 'apply' },
    { stored: stored('STOPPED'), lastStatus: 'STOPPED', desiredStatus: 'STOPPED', expected: 4, verdict: 'replay' },
    { stored: stored('STOPPED'), lastStatus: 'RUNNING', desiredStatus: 'RUNNING', expected: 4, verdict: 'replay' },
  ] as const)('stored %#: ECS $lastStatus/$desiredStatus -> $expected ($verdict)', (c) => {
    const version = inferVersion(c.stored, c);
    expect(version).toBe(c.expected);
    expect(judgeVersion(c.stored, { version })).toBe(c.verdict);
  });
});

describe('missingTaskStopEvent', () => {
  it('is a stop newer than the stored state, for a task ECS has forgotten', () => {
    const state = {
      taskArn: ARN,
      taskId: 't',
      clusterArn: 'c',
      taskDefinitionArn: 'td',
      version: 4,
      status: 'REGISTERED',
      group: 'service:web',
      serviceName: 'web',
      endpoints: [],
      registeredNames: ['web'],
      updatedAt: '',
    } as TaskState;
    const event = missingTaskStopEvent(state);
    expect(event).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', version: 5, taskArn: ARN });
    expect(judgeVersion(state, event)).toBe('apply');
  });
});
