// Pure: which endpoints a run probes, and how. An endpoint is probed only when
//   - its task is in scope, in the state table as REGISTERED or PENDING_HEALTH, and ECS (DescribeTasks, this run)
//     reports it RUNNING with desiredStatus RUNNING;
//   - its address is the one ECS reports now: for awsvpc the ENI's private IP; for bridge/host the task must still
//     be on the container instance whose EC2 private IP the registrar resolved;
//   - it is TCP, has a check (SERVICE_<port>_CHECK_HTTP / _CHECK_TCP, else the default HTTP path when one is set),
//     and its SERVICE_<port>_CHECK_INTERVAL (if any) has elapsed since the run that last probed it.
// Stored check settings are re-validated by the registrar's rules (./check-settings, checkSettingsOf): a value they
// reject (state written by an older version) is ignored here and the default is used, silently - the registrar
// reports invalid settings once per task; reporting them here would repeat it every run.
import { isIP } from 'node:net';
import { isStopping, type TaskEvent } from '../parse/task-event';
import { primaryAddress, type Endpoint } from '../resolve/endpoints';
import type { HealthRecord } from '../state/health-records';
import type { TaskState } from '../state/task-state';
import { CHECK_TIMEOUT_SECONDS, checkSettingsOf } from './check-settings';
import { describeCheck, type CheckSpec, type ProbeRequest } from './probe';

/** Schedules drift by a few seconds; an interval this close to elapsed counts as elapsed. */
export const INTERVAL_TOLERANCE_MS = 5000;
export const MAX_TIMEOUT_MS = CHECK_TIMEOUT_SECONDS.max * 1000;

export interface TargetTask {
  state: TaskState;
  /** what DescribeTasks said this run; undefined when ECS did not describe it */
  ecs?: TaskEvent;
  health?: HealthRecord;
}

export interface PlannedProbe extends ProbeRequest {
  taskArn: string;
  /** "<name>/<containerPort>": the endpoint within its task */
  endpointKey: string;
  /** what was checked, for logs and the StopTask reason */
  description: string;
  /** the endpoint has a check interval: remember when it was probed */
  hasInterval: boolean;
}

export type SkipReason = 'not-running' | 'not-a-target' | 'address-mismatch' | 'udp' | 'no-check' | 'not-due' | 'not-an-ip';

/** Only tasks with resolved endpoints are probed: STARTING, UNRESOLVED and STOPPED tasks have nothing to check. */
export const PROBED_STATUSES: ReadonlySet<TaskState['status']> = new Set(['REGISTERED', 'PENDING_HEALTH']);

export interface ProbePlan {
  probes: PlannedProbe[];
  skipped: { taskArn: string; endpointKey?: string; reason: SkipReason }[];
}

export interface PlanOptions {
  defaultPath: string;
  defaultTimeoutMs: number;
  /** start of this run (epoch ms) */
  runStartedAt: number;
}

export const endpointKey = (e: Pick<Endpoint, 'name' | 'containerPort'>) => `${e.name}/${e.containerPort}`;

export const isRunningInEcs = (ecs: TaskEvent | undefined): ecs is TaskEvent =>
  !!ecs && ecs.lastStatus === 'RUNNING' && ecs.desiredStatus === 'RUNNING' && !isStopping(ecs);

/** The endpoint's check: TCP, its own HTTP path, or the default path (undefined when that is empty). */
export function checkFor(endpoint: Endpoint, defaultPath: string): CheckSpec | undefined {
  const check = checkSettingsOf(endpoint.check);
  if (check.tcp) return { kind: 'tcp' };
  if (check.http) return { kind: 'http', path: check.http };
  return defaultPath ? { kind: 'http', path: defaultPath } : undefined;
}

/** The probe timeout in ms: the endpoint's own (when valid), else the default. */
export function timeoutFor(endpoint: Endpoint, defaultTimeoutMs: number): number {
  const seconds = checkSettingsOf(endpoint.check).timeoutSeconds;
  return seconds === undefined ? defaultTimeoutMs : Math.round(seconds * 1000);
}

/** The address came from ECS for this task, and ECS still reports it. */
export function addressConfirmed(state: TaskState, endpoint: Endpoint, ecs: TaskEvent): boolean {
  if (endpoint.awsvpc) return endpoint.ip ? ecs.eniAddress === endpoint.ip : !!endpoint.ipv6 && ecs.eniIpv6Address === endpoint.ipv6;
  return !!state.containerInstanceArn && ecs.containerInstanceArn === state.containerInstanceArn;
}

export function isDue(endpoint: Endpoint, key: string, health: HealthRecord | undefined, runStartedAt: number): boolean {
  const interval = checkSettingsOf(endpoint.check).intervalSeconds;
  const last = health?.checkedAt?.[key];
  if (!interval || last === undefined) return true;
  return runStartedAt - last >= interval * 1000 - INTERVAL_TOLERANCE_MS;
}

export function planProbes(tasks: TargetTask[], options: PlanOptions): ProbePlan {
  const plan: ProbePlan = { probes: [], skipped: [] };
  for (const { state, ecs, health } of tasks) {
    if (!PROBED_STATUSES.has(state.status)) {
      plan.skipped.push({ taskArn: state.taskArn, reason: 'not-a-target' });
      continue;
    }
    if (!isRunningInEcs(ecs)) {
      plan.skipped.push({ taskArn: state.taskArn, reason: 'not-running' });
      continue;
    }
    const seen = new Set<string>();
    for (const endpoint of state.endpoints ?? []) {
      const key = endpointKey(endpoint);
      if (seen.has(key)) continue;
      seen.add(key);
      const skip = (reason: SkipReason) => plan.skipped.push({ taskArn: state.taskArn, endpointKey: key, reason });
      if (endpoint.protocol === 'udp') {
        skip('udp');
        continue;
      }
      const check = checkFor(endpoint, options.defaultPath);
      if (!check) {
        skip('no-check');
        continue;
      }
      const ip = primaryAddress(endpoint) ?? '';
      if (isIP(ip) === 0) {
        skip('not-an-ip');
        continue;
      }
      if (!addressConfirmed(state, endpoint, ecs)) {
        skip('address-mismatch');
        continue;
      }
      if (!isDue(endpoint, key, health, options.runStartedAt)) {
        skip('not-due');
        continue;
      }
      const probe = { ip, port: endpoint.port, check, timeoutMs: timeoutFor(endpoint, options.defaultTimeoutMs) };
      plan.probes.push({
        ...probe,
        taskArn: state.taskArn,
        endpointKey: key,
        description: describeCheck(probe),
        hasInterval: checkSettingsOf(endpoint.check).intervalSeconds !== undefined,
      });
    }
  }
  return plan;
}
