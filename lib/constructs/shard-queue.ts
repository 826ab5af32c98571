import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import type { ChatFunction } from './chat-function';

export interface ShardQueueProps {
  /** The shard worker (messaging/deliver-shard). */
  worker: ChatFunction;
  /** Rooms with more connections than this are delivered in shards. */
  shardThreshold: number;
}

/** Redeliveries of a shard whose worker failed (crashed, timed out) before it goes to the dead-letter queue. */
const MAX_RECEIVES = 3;
/**
 * A chat frame is worth delivering for minutes, not days: a shard still queued after this is
 * dropped by SQS (its group was stuck that long, the dead-letter alarm has long fired).
 */
const SHARD_RETENTION = Duration.minutes(15);

/**
 * Fan-out past one invocation (docs/fan-out.md): a FIFO queue of shards, one message group per room
 * and shard so that a connection's messages are delivered one after another, in high-throughput
 * mode (throughput per group, deduplication per group); the worker reading it through an event
 * source mapping that reports partial batch failures; a dead-letter queue behind it.
 */
export class ShardQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly alarms: Alarm[];
  readonly mapping: EventSourceMapping;
  private readonly shardThreshold: number;

  constructor(scope: Construct, id: string, props: ShardQueueProps) {
    super(scope, id);
    this.shardThreshold = props.shardThreshold;
    const secure = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetters = new Queue(this, 'DeadLetters', { fifo: true, retentionPeriod: Duration.days(14), ...secure });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the shard queue: shards that failed three times wait here to be looked at.',
    });
    const workerTimeout = props.worker.timeout ?? Duration.seconds(29);
    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      // Above the worker's timeout, so a shard is not handed out twice while it is worked; four
      // times it, as a throttled worker invocation is retried while its messages stay in flight.
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 4),
      retentionPeriod: SHARD_RETENTION,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVES },
      ...secure,
    });

    // Exactly what the event source mapping does with the queue (no ChangeMessageVisibility, no
    // SendMessage), rather than grantConsumeMessages.
    props.worker.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [this.queue.queueArn],
      }),
    );
    this.mapping = new EventSourceMapping(this, 'Worker', {
      target: props.worker,
      eventSourceArn: this.queue.queueArn,
      // FIFO's maximum; a batch's groups are worked in parallel, each group's shards in order.
      batchSize: 10,
      reportBatchItemFailures: true,
    });

    this.alarms = [
      new Alarm(this, 'DeadLetterAlarm', {
        alarmDescription:
          'Shards of big-room fan-outs failed three times and are parked in the dead-letter queue: their viewers missed messages.',
        metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'BacklogAlarm', {
        alarmDescription:
          'A shard has waited over 30 s in the shard queue: big rooms get their messages late (worker concurrency or throttling).',
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 30,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  /** Lets a broadcasting function hand shards to the queue: its URL and the threshold in its environment, SendMessage on it only. */
  bindSender(fn: ChatFunction): void {
    fn.addEnvironment(ENV.shardQueueUrl, this.queue.queueUrl);
    fn.addEnvironment(ENV.shardThreshold, String(this.shardThreshold));
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }
}
