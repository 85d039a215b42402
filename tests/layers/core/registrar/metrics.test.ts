// The task registrar's metrics, read from the EMF lines its handler writes (one flush per invocation by
// instrumentHandler): tasks registered and deregistered, events dropped as duplicates or stale, Route 53 calls,
// changed values, throttles and retries. Each is produced by a real history against moto behind the Route 53 guard.
import { taskStateChangeEvent } from '../../../support/ecs-scenario';
import { captureLogs, createRegistrar, sqsBatch, emfSum } from '../../../support/registrar-fixture';
import { freshWorld, runService, useRoute53Guard, ZONE } from '../../../support/world';

const guard = useRoute53Guard();
afterEach(() => guard().clearFaults());

type Line = Record<string, unknown>;
const emf = emfSum;
const emfLines = (lines: Line[]) => lines.filter((l) => '_aws' in l);

async function setup(tasks = 2) {
  const w = await freshWorld({ guard: guard() });
  const { tasks: web } = await runService(w, 'web', tasks);
  const registrar = await createRegistrar({ hostedZoneId: w.zoneId, zoneName: ZONE });
  const event = (i: number, version: number, desiredStatus: 'RUNNING' | 'STOPPED') =>
    taskStateChangeEvent(web[i], { version, lastStatus: desiredStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED', desiredStatus });
  return { w, web, registrar, event };
}

describe('task registrar metrics (EMF)', () => {
  it('TasksRegistered, Route53Calls and Route53ChangedValues for a batch that registers two tasks, in one flush', async () => {
    const { registrar, event } = await setup();
    const { result, lines } = await captureLogs(() => registrar.handler(sqsBatch([event(0, 2, 'RUNNING'), event(1, 2, 'RUNNING')])));
    expect(result.batchItemFailures).toEqual([]);
    expect(emf(lines, 'TasksRegistered')).toBe(2);
    expect(emf(lines, 'TasksDeregistered')).toBe(0);
    // what the guard saw: every Route 53 request the registrar sent, and the values in its change batches
    const calls = guard().calls;
    expect(emf(lines, 'Route53Calls')).toBe(calls.length);
    expect(calls.length).toBeGreaterThan(0);
    expect(emf(lines, 'Route53ChangedValues')).toBeGreaterThanOrEqual(4); // at least SRV + A values of two tasks
    // one EMF document for the invocation, in the application namespace, with the service dimension
    const [doc] = emfLines(lines).filter((l) => 'TasksRegistered' in l);
    const [definition] = (doc._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics;
    expect(definition.Namespace).toBe('EcsServiceDiscovery');
    expect(definition.Dimensions).toEqual([['service']]);
  });

  it('TasksDeregistered when a registered task stops; StaleEvents for an older version; DuplicateEvents for a redelivery', async () => {
    const { registrar, event } = await setup(1);
    const start = sqsBatch([event(0, 2, 'RUNNING')]);
    await captureLogs(() => registrar.handler(start));

    const duplicate = await captureLogs(() => registrar.handler(start)); // same messages, same event ids
    expect(emf(duplicate.lines, 'DuplicateEvents')).toBe(1);
    expect(emf(duplicate.lines, 'TasksRegistered')).toBe(0);

    const stop = await captureLogs(() => registrar.handler(sqsBatch([event(0, 3, 'STOPPED')])));
    expect(emf(stop.lines, 'TasksDeregistered')).toBe(1);

    const stale = await captureLogs(() => registrar.handler(sqsBatch([event(0, 1, 'RUNNING')])));
    expect(emf(stale.lines, 'StaleEvents')).toBe(1);
    expect(emf(stale.lines, 'TasksRegistered')).toBe(0);
  });

  it('Route53Throttles and Route53Retries count every throttled answer and every retry', async () => {
    const { registrar, event } = await setup(1);
    guard().injectFault({ operation: 'ChangeResourceRecordSets', code: 'Throttling', times: 2 });
    const { result, lines } = await captureLogs(() => registrar.handler(sqsBatch([event(0, 2, 'RUNNING')])));
    expect(result.batchItemFailures).toEqual([]);
    expect(emf(lines, 'Route53Throttles')).toBe(2);
    expect(emf(lines, 'Route53Retries')).toBe(2);
    expect(emf(lines, 'TasksRegistered')).toBe(1);
  });

  it('PriorRequestNotComplete counts as a throttle too; a 5xx is retried but is no throttle', async () => {
    const { registrar, event } = await setup(1);
    guard().injectFault({ operation: 'ChangeResourceRecordSets', code: 'PriorRequestNotComplete', times: 1 });
    guard().injectFault({ operation: 'ListResourceRecordSets', code: 'ServiceUnavailable', times: 1 });
    const { lines } = await captureLogs(() => registrar.handler(sqsBatch([event(0, 2, 'RUNNING')])));
    expect(emf(lines, 'Route53Throttles')).toBe(1);
    expect(emf(lines, 'Route53Retries')).toBe(2);
  });
});

describe('task registrar metrics for refused input (EMF)', () => {
  it('InvalidEvents for a body that is not an event, OutOfScopeEvents for a cluster outside ClusterArns', async () => {
    const w = await freshWorld({ guard: guard() });
    const { tasks: [web] } = await runService(w, 'web', 1);
    const registrar = await createRegistrar({
      hostedZoneId: w.zoneId,
      zoneName: ZONE,
      CLUSTER_ARNS: 'arn:aws:ecs:us-east-1:123456789012:cluster/another',
    });
    const running = taskStateChangeEvent(web, { version: 2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    const { result, lines } = await captureLogs(() => registrar.handler(sqsBatch(['not json', { detail: {} }, running])));
    expect(result.batchItemFailures).toEqual([]);
    expect(emf(lines, 'InvalidEvents')).toBe(2);
    expect(emf(lines, 'OutOfScopeEvents')).toBe(1);
    expect(emf(lines, 'TasksRegistered')).toBe(0);
    expect(guard().calls).toEqual([]);
  });
});
