import { CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ChatAlarms } from './constructs/chat-alarms';
import { ChatFunction } from './constructs/chat-function';
import { ChatTable } from './constructs/chat-table';
import { ControlPlaneApi, Throttle } from './constructs/control-plane-api';
import { MessagingApi } from './constructs/messaging-api';
import { RoomIntegrations, RoomIntegrationsProps } from './constructs/room-integrations';
import { ShardQueue } from './constructs/shard-queue';
import { TokenKeys } from './constructs/token-keys';
import { DEFAULT_SHARD_THRESHOLD, SHARD_THRESHOLD_RANGE } from '../lambdas/shared/config';
import { ENV } from '../lambdas/shared/env';
import { needsOf } from './permissions';

export interface IvsChatProps {
  /** Dev stacks may drop their data on `cdk destroy`; the default keeps rooms and keys. */
  removalPolicy?: RemovalPolicy;
  /** The review-handler functions and chat-log destinations rooms may use (default: none). */
  roomIntegrations?: RoomIntegrationsProps;
  /** Per-operation throttles of the control plane over IVS's rates, by operation name. */
  operationThrottles?: Partial<Record<string, Throttle>>;
  /** Lets a browser page on this origin (e.g. the console) call the control plane: see ControlPlaneApiProps. */
  corsAllowOrigin?: string;
  /** Hours ListMessages lists a room's messages (default 24; 0 keeps no history). DynamoDB TTL removes them later. */
  historyHours?: number;
  /**
   * Rooms with more connections than this are delivered in shards, each by an invocation of the
   * shard worker through the shard queue (default 2,000; 100 to 5,000). docs/fan-out.md.
   */
  shardThreshold?: number;
  /** The CloudWatch namespace of the fan-out metrics (default `IvsChat/<stack name>`). */
  metricsNamespace?: string;
  /** An SNS topic every alarm notifies when it fires and when it clears (default: none, the alarms only show in CloudWatch). */
  alarmTopicArn?: string;
}

/**
 * IVS Chat in a stack of one's own: one table, the control plane (REST, IAM-authorized), the
 * Messaging API (WebSocket), the token keys, and the schedule that ends expired chat sessions. Every
 * function is one handler module of lambdas/, the same modules local mode runs. It creates no stack
 * outputs: the stack that holds it decides what to export (IvsChatStack exports the URLs).
 */
export class IvsChat extends Construct {
  readonly table: ChatTable;
  /** Every function, by its handler module (e.g. `messaging/default`, `control-plane/create-room`). */
  readonly functions: Record<string, ChatFunction> = {};
  /** The IvschatClient endpoint (sign as execute-api), without a trailing slash. */
  readonly controlPlaneUrl: string;
  /** The ChatRoom `regionOrUrl`: the WebSocket stage's wss:// URL. */
  readonly messagingUrl: string;
  readonly controlPlane: ControlPlaneApi;
  readonly messaging: MessagingApi;
  /** Big rooms' fan-out: the shard queue, its dead-letter queue and worker mapping. */
  readonly shards: ShardQueue;
  /** Every alarm: dropped deliveries, each function's errors, the shard queue's dead letters and backlog. */
  readonly alarms: Alarm[];
  /** Where the functions' metrics go (EMF): Messages, Deliveries, Gone, Throttled, Retried, Dropped, ReviewFallbacks. */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: IvsChatProps = {}) {
    super(scope, id);
    this.table = new ChatTable(this, 'Data', { removalPolicy: props.removalPolicy });
    const keys = new TokenKeys(this, 'TokenKeys', { removalPolicy: props.removalPolicy });
    const integrations = new RoomIntegrations(Stack.of(this), props.roomIntegrations);
    const needing: { fn: ChatFunction; module: string }[] = [];
    const historyHours = props.historyHours ?? 24;
    if (!Number.isInteger(historyHours) || historyHours < 0)
      throw new Error(`historyHours must be a whole number of hours, got ${historyHours}`);
    const shardThreshold = props.shardThreshold ?? DEFAULT_SHARD_THRESHOLD;
    const { min, max } = SHARD_THRESHOLD_RANGE;
    if (!Number.isInteger(shardThreshold) || shardThreshold < min || shardThreshold > max)
      throw new Error(`shardThreshold must be a whole number from ${min} to ${max}, got ${shardThreshold}`);
    const metricsNamespace = (this.metricsNamespace = props.metricsNamespace ?? `IvsChat/${Stack.of(this).stackName}`);
    const chatFunction = (construct: string, module: string, options: { timeout?: Duration } = {}) => {
      const needs = needsOf(module);
      const environment = { [ENV.historyHours]: String(historyHours), [ENV.metricsNamespace]: metricsNamespace };
      const fn = new ChatFunction(this, construct, { module, environment, ...options }).bindTable(this.table.table, needs);
      if (needs.tokenKeys) keys.bind(fn);
      if (needs.reviewHandlers) integrations.grantReviewHandlers(fn);
      if (needs.chatLogs) integrations.grantChatLogs(fn);
      needing.push({ fn, module });
      this.functions[module] = fn;
      return fn;
    };

    const messaging = (this.messaging = new MessagingApi(this, 'Messaging', {
      connect: chatFunction('ConnectFn', 'messaging/connect'),
      disconnect: chatFunction('DisconnectFn', 'messaging/disconnect'),
      default: chatFunction('DefaultFn', 'messaging/default'),
    }));
    const controlPlane = (this.controlPlane = new ControlPlaneApi(this, 'ControlPlane', {
      functionFor: (operation) => chatFunction(`${operation.name}Fn`, `control-plane/${operation.module}`),
      operationThrottles: props.operationThrottles,
      corsAllowOrigin: props.corsAllowOrigin,
    }));
    // Access logging needs API Gateway's CloudWatch role set for the account and region: in one
    // where it never was, a stage created before it fails and the first deploy rolls back.
    messaging.stage.node.addDependency(controlPlane.cloudWatchAccount);

    const sweeper = chatFunction('EndExpiredSessionsFn', 'messaging/end-expired-sessions');
    new Rule(this, 'EndExpiredSessions', {
      description: 'Ends chat sessions whose sessionExpirationTime has passed (ERROR 401, then close)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(sweeper)],
    });

    const shards = (this.shards = new ShardQueue(this, 'Shards', {
      worker: chatFunction('DeliverShardFn', 'messaging/deliver-shard', { timeout: Duration.seconds(30) }),
      shardThreshold,
    }));
    for (const { fn, module } of needing) if (needsOf(module).shardQueue === 'send') shards.bindSender(fn);

    const alarms = new ChatAlarms(this, 'Alarms', { namespace: metricsNamespace, functions: needing.map(({ fn }) => fn) });
    this.alarms = [...alarms.all, ...shards.alarms];
    if (props.alarmTopicArn) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    const apiId = Stack.of(this).getLogicalId(messaging.api.node.defaultChild as CfnElement);
    for (const { fn, module } of needing) {
      if (!needsOf(module).connections) continue;
      messaging.bindConnections(fn);
      fn.acknowledge(
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/prod/*/@connections/*]`,
        "execute-api:ManageConnections on this stage's @connections/*: connection ids exist only at runtime, nothing narrower can be named.",
      );
    }

    this.controlPlaneUrl = controlPlane.url;
    this.messagingUrl = messaging.stage.url;
  }
}
