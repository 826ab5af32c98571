import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricName, Metrics } from '../core/ports';

/** The `service` dimension of every metric; the stack's alarms name it too. */
export const METRICS_SERVICE = 'ivschat';

/**
 * CloudWatch metrics as EMF lines in the function's own log (Powertools Metrics): CloudWatch reads
 * them from the log, so counting costs no API call and no latency. Counts are summed in memory and
 * written as one line per invocation, when lambdaEntry publishes after the handler.
 */
export function createEmfMetrics(options: { namespace: string }): Metrics {
  const emf = new PowertoolsMetrics({ namespace: options.namespace, serviceName: METRICS_SERVICE });
  const counts = new Map<MetricName, number>();
  return {
    count: (name, value) => {
      counts.set(name, (counts.get(name) ?? 0) + value);
    },
    publish: () => {
      // Nothing counted (e.g. GetRoom): no line at all, and no Powertools warning about it.
      if (counts.size === 0) return;
      for (const [name, value] of counts) emf.addMetric(name, MetricUnit.Count, value);
      counts.clear();
      emf.publishStoredMetrics();
    },
  };
}

/** Counters in memory, for local mode (nothing reads EMF there) and for tests, which read `totals`. */
export function createCountingMetrics(): Metrics & { totals: Record<MetricName, number> } {
  const totals: Record<MetricName, number> = {
    Messages: 0,
    Deliveries: 0,
    Gone: 0,
    Throttled: 0,
    Retried: 0,
    Dropped: 0,
    ReviewFallbacks: 0,
  };
  return {
    totals,
    count: (name, value) => {
      totals[name] += value;
    },
    publish: () => undefined,
  };
}
