import { CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct, Node } from 'constructs';
import { ChatFunction } from './constructs/chat-function';
import { ChatTable } from './constructs/chat-table';
import { ControlPlaneApi, Throttle } from './constructs/control-plane-api';
import { MessagingApi } from './constructs/messaging-api';
import { RoomIntegrations, RoomIntegrationsProps } from './constructs/room-integrations';
import { TokenKeys } from './constructs/token-keys';
import { ENV } from '../lambdas/shared/env';
import { needsOf } from './permissions';

export interface IvsChatStackProps extends StackProps {
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
}

/**
 * The AWS deployment: one table, the control plane (REST, IAM-authorized), the Messaging API
 * (WebSocket), the token keys, and the schedule that ends expired chat sessions. Every function is
 * one handler module of lambdas/, the same modules local mode runs.
 */
export class IvsChatStack extends Stack {
  readonly table: ChatTable;
  readonly functions: Record<string, ChatFunction> = {};

  constructor(scope: Construct, id: string, props: IvsChatStackProps = {}) {
    super(scope, id, props);
    this.table = new ChatTable(this, 'Data', { removalPolicy: props.removalPolicy });
    const keys = new TokenKeys(this, 'TokenKeys', { removalPolicy: props.removalPolicy });
    const integrations = new RoomIntegrations(this, props.roomIntegrations);
    const needing: { fn: ChatFunction; module: string }[] = [];
    const historyHours = props.historyHours ?? 24;
    if (!Number.isInteger(historyHours) || historyHours < 0)
      throw new Error(`historyHours must be a whole number of hours, got ${historyHours}`);
    const chatFunction = (construct: string, module: string) => {
      const needs = needsOf(module);
      const fn = new ChatFunction(this, construct, { module, environment: { [ENV.historyHours]: String(historyHours) } }).bindTable(
        this.table.table,
        needs,
      );
      if (needs.tokenKeys) keys.bind(fn);
      if (needs.reviewHandlers) integrations.grantReviewHandlers(fn);
      if (needs.chatLogs) integrations.grantChatLogs(fn);
      needing.push({ fn, module });
      this.functions[module] = fn;
      return fn;
    };

    const messaging = new MessagingApi(this, 'Messaging', {
      connect: chatFunction('ConnectFn', 'messaging/connect'),
      disconnect: chatFunction('DisconnectFn', 'messaging/disconnect'),
      default: chatFunction('DefaultFn', 'messaging/default'),
    });
    const controlPlane = new ControlPlaneApi(this, 'ControlPlane', {
      functionFor: (operation) => chatFunction(`${operation.name}Fn`, `control-plane/${operation.module}`),
      operationThrottles: props.operationThrottles,
      corsAllowOrigin: props.corsAllowOrigin,
    });
    // Access logging needs API Gateway's CloudWatch role set for the account and region: in one
    // where it never was, a stage created before it fails and the first deploy rolls back.
    messaging.stage.node.addDependency(controlPlane.cloudWatchAccount);

    const sweeper = chatFunction('EndExpiredSessionsFn', 'messaging/end-expired-sessions');
    new Rule(this, 'EndExpiredSessions', {
      description: 'Ends chat sessions whose sessionExpirationTime has passed (ERROR 401, then close)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(sweeper)],
    });

    for (const { fn, module } of needing) {
      if (!needsOf(module).connections) continue;
      messaging.bindConnections(fn);
      const apiId = this.getLogicalId(messaging.api.node.defaultChild as CfnElement);
      fn.acknowledge(
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/prod/*/@connections/*]`,
        "execute-api:ManageConnections on this stage's @connections/*: connection ids exist only at runtime, nothing narrower can be named.",
      );
    }

    new CfnOutput(this, 'ControlPlaneUrl', {
      description: 'IvschatClient endpoint (sign as execute-api)',
      value: controlPlane.url,
    });
    new CfnOutput(this, 'MessagingUrl', { description: 'ChatRoom regionOrUrl', value: messaging.stage.url });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
  }
}

/**
 * The stack's options from CDK context (`-c key=value`; lists comma-separated), read once here so
 * that the app and the tests read them the same way:
 * - `dev=true`: table and keys are deleted with the stack;
 * - `reviewFunctions=a,b`, `reviewFunctionTag=KEY=VALUE`: the review handlers rooms may use;
 * - `chatLogBuckets`, `chatLogGroups`, `chatLogStreams`: the chat-log destinations;
 * - `operationRates=CreateChatToken=500:1000,CreateRoom=10`: per-operation rate[:burst] over IVS's;
 * - `corsAllowOrigin=http://127.0.0.1:8787`: a browser page on that origin (the console) may call the control plane.
 */
export function stackPropsFromContext(node: Node): IvsChatStackProps {
  const context = (key: string): unknown => node.tryGetContext(key);
  const list = (key: string): string[] | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter(Boolean);
  };
  const pair = (item: string, key: string): [string, string] => {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`${key}: expected NAME=VALUE, got ${JSON.stringify(item)}`);
    return [item.slice(0, at), item.slice(at + 1)];
  };
  const tag = context('reviewFunctionTag');
  const tagPair = typeof tag === 'string' && tag !== '' ? pair(tag, 'reviewFunctionTag') : undefined;
  const rates = list('operationRates');
  const historyHours = context('historyHours');
  return {
    removalPolicy: ['true', true].includes(context('dev') as string | boolean) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    // `-c historyHours=72`: how long ListMessages lists messages (default 24; 0 turns history off).
    historyHours: historyHours === undefined || historyHours === '' ? undefined : Number(historyHours),
    roomIntegrations: {
      reviewFunctions: list('reviewFunctions'),
      reviewFunctionTag: tagPair && { key: tagPair[0], value: tagPair[1] },
      chatLogBuckets: list('chatLogBuckets'),
      chatLogGroups: list('chatLogGroups'),
      chatLogStreams: list('chatLogStreams'),
    },
    operationThrottles:
      rates &&
      Object.fromEntries(
        rates.map((item) => {
          const [name, value] = pair(item, 'operationRates');
          const [rate, burst = rate, ...rest] = value.split(':').map(Number);
          if (!isCount(rate) || !isCount(burst) || rest.length > 0) {
            throw new Error(`operationRates: ${JSON.stringify(item)} is not NAME=RATE or NAME=RATE:BURST (positive integers)`);
          }
          return [name, { rateLimit: rate, burstLimit: burst }];
        }),
      ),
    corsAllowOrigin:
      typeof context('corsAllowOrigin') === 'string' && context('corsAllowOrigin') !== ''
        ? (context('corsAllowOrigin') as string)
        : undefined,
  };
}

const isCount = (n: number | undefined): n is number => Number.isInteger(n) && (n as number) > 0;
