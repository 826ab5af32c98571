import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRICS_SERVICE } from '../../lambdas/adapters/metrics';
import type { ChatFunction } from './chat-function';

export interface ChatAlarmsProps {
  /** The CloudWatch namespace the functions write their metrics (EMF) to. */
  namespace: string;
  /** Every function of the deployment, each alarmed on its errors. */
  functions: readonly ChatFunction[];
}

/**
 * The alarms an operator needs: deliveries dropped after every retry (viewers missed a message:
 * the account's API Gateway throttle is too low for the rooms, see README "Deploy to AWS"), and
 * any function's errors (an invocation that failed outright: timeouts, crashes).
 */
export class ChatAlarms extends Construct {
  readonly droppedDeliveries: Alarm;
  readonly functionErrors: Alarm[];

  constructor(scope: Construct, id: string, props: ChatAlarmsProps) {
    super(scope, id);
    this.droppedDeliveries = new Alarm(this, 'DroppedDeliveries', {
      alarmDescription:
        'Fan-out deliveries failed after every retry (mostly 429s from the account API Gateway throttle): viewers missed messages.',
      metric: new Metric({
        namespace: props.namespace,
        metricName: 'Dropped',
        dimensionsMap: { service: METRICS_SERVICE },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.functionErrors = props.functions.map(
      (fn) =>
        new Alarm(this, `${fn.node.id}Errors`, {
          alarmDescription: `Invocations of ${fn.node.id} failed (error, timeout or crash).`,
          metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
  }

  get all(): Alarm[] {
    return [this.droppedDeliveries, ...this.functionErrors];
  }
}
