// Powertools instances shared by every function: structured JSON logs and EMF metrics.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ecs-service-discovery' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'EcsServiceDiscovery',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ecs-service-discovery',
});

export { MetricUnit };

export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}
