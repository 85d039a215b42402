// The one place Powertools is set up for every function: structured JSON logs (Logger), EMF metrics (Metrics) and
// X-Ray traces (Tracer), and the wrapper every handler goes through (instrumentHandler), as Powertools'
// examples/app does it: injectLambdaContext (request id and cold start on every log line), logMetrics with the
// cold-start metric (one flush per invocation, also when the handler throws), captureLambdaHandler (a subsegment per
// invocation). The SDK clients are captured by the same Tracer in aws/clients.ts.
//
// Settings come from the environment template.yaml sets: POWERTOOLS_SERVICE_NAME (per function),
// POWERTOOLS_METRICS_NAMESPACE (parameter MetricsNamespace), POWERTOOLS_LOG_LEVEL (LogLevel),
// POWERTOOLS_TRACE_ENABLED (false unless TracingMode is Active).
import type { MiddlewareLikeObj, MiddyLikeRequest } from '@aws-lambda-powertools/commons/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'ecs-service-discovery';

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'EcsServiceDiscovery',
  serviceName,
  // Metrics' own warnings (e.g. an invocation with no metric) as JSON log lines at POWERTOOLS_LOG_LEVEL, not console.
  logger,
});

/** Active only in Lambda with POWERTOOLS_TRACE_ENABLED not false; elsewhere every call is a no-op. */
export const tracer = new Tracer({ serviceName });

export { MetricUnit };

/** Adds `value` (default 1) to the Count metric `name` of this invocation (flushed by instrumentHandler). */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * The metrics the dashboard and the alarms in template.yaml show, with their units, grouped by the code path that
 * emits them (the code emits more, e.g. InvalidEventFields; README "Metrics" lists them all). The template may refer
 * to no other application metric, and each of these must be emitted by the code with this unit
 * (tests/template/observability.test.ts); their EMF output is asserted where the owning path is tested.
 * EventToDnsLatency (ms from the ECS event's time to the Route 53 write that published it) is emitted by the
 * registrar's write path.
 */
export const METRICS = {
  /** Lambda's cold start, one per new execution environment (Powertools' logMetrics captureColdStartMetric) */
  ColdStart: MetricUnit.Count,
  // task registrar (registrar/*)
  InvalidEvents: MetricUnit.Count,
  OutOfScopeEvents: MetricUnit.Count,
  StaleEvents: MetricUnit.Count,
  DuplicateEvents: MetricUnit.Count,
  FailedEvents: MetricUnit.Count,
  RejectedChanges: MetricUnit.Count,
  TasksRegistered: MetricUnit.Count,
  TasksDeregistered: MetricUnit.Count,
  EventToDnsLatency: MetricUnit.Milliseconds,
  // Route 53 API (backends/route53/api.ts)
  Route53Calls: MetricUnit.Count,
  Route53ChangedValues: MetricUnit.Count,
  Route53Retries: MetricUnit.Count,
  Route53Throttles: MetricUnit.Count,
  Route53Races: MetricUnit.Count,
  OwnershipConflicts: MetricUnit.Count,
  // health checker (health/checker.ts)
  ProbesRun: MetricUnit.Count,
  ProbeFailures: MetricUnit.Count,
  HealthCheckPanic: MetricUnit.Count,
  TasksDeregisteredUnhealthy: MetricUnit.Count,
  TasksReregistered: MetricUnit.Count,
  TasksStopped: MetricUnit.Count,
  StopsHeld: MetricUnit.Count,
  // reconciler (reconcile/reconciler.ts); DriftRepaired also per Kind dimension
  DriftRepaired: MetricUnit.Count,
  ReconcileErrors: MetricUnit.Count,
  // scheduled runs (state/run-lease.ts)
  OverlappingRunsSkipped: MetricUnit.Count,
} as const;

type Handler<E, R> = (event: E, context?: Context) => Promise<R>;

/**
 * Wraps a Lambda handler in Powertools' own middlewares (the objects @middy/core would run: Middy 7 is ESM-only and
 * needs Node 22, so it cannot run under this project's Jest), in middy's order: `before` first to last, `after` /
 * `onError` last to first. Per invocation: a Tracer subsegment with the ColdStart and Service annotations, the
 * Lambda context on every log line (function_request_id, cold_start), the ColdStart metric, and ONE flush of the
 * stored metrics after the handler returns or throws, so no module flushes by hand.
 *
 * The handler sees the context it was given (undefined when a test or script invokes it without one); the
 * middlewares then get an empty one.
 * @returns the handler's result; rethrows the handler's error after the metrics are flushed
 */
export function instrumentHandler<E, R>(handler: Handler<E, R>): (event: E, context?: Context) => Promise<R> {
  const middlewares: MiddlewareLikeObj[] = [
    captureLambdaHandler(tracer, { captureResponse: false }),
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics, { captureColdStartMetric: true }),
  ];
  return async (event: E, context?: Context): Promise<R> => {
    const request: MiddyLikeRequest = {
      event,
      context: context ?? ({} as Context),
      response: undefined,
      error: undefined,
      internal: {},
    };
    for (const m of middlewares) await m.before?.(request);
    try {
      request.response = await handler(event, context);
    } catch (error) {
      request.error = error as Error;
      for (const m of [...middlewares].reverse()) await m.onError?.(request);
      throw error;
    }
    for (const m of [...middlewares].reverse()) await m.after?.(request);
    return request.response as R;
  };
}
