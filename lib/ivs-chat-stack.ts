import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct, Node } from 'constructs';
import { IvsChat, IvsChatProps } from './ivs-chat';

export interface IvsChatStackProps extends StackProps, IvsChatProps {}

/**
 * The AWS deployment as this repository's app deploys it: the IvsChat construct and its outputs.
 * The construct's id is `Default`, which CDK leaves out of logical ids, so the resources keep the
 * ids they had when they were the stack's own children and an existing deployment is updated in
 * place rather than replaced (its table and keys with it).
 */
export class IvsChatStack extends Stack {
  readonly chat: IvsChat;

  constructor(scope: Construct, id: string, props: IvsChatStackProps = {}) {
    super(scope, id, props);
    this.chat = new IvsChat(this, 'Default', props);
    new CfnOutput(this, 'ControlPlaneUrl', {
      description: 'IvschatClient endpoint (sign as execute-api)',
      value: this.chat.controlPlaneUrl,
    });
    new CfnOutput(this, 'MessagingUrl', { description: 'ChatRoom regionOrUrl', value: this.chat.messagingUrl });
    new CfnOutput(this, 'TableName', { value: this.chat.table.table.tableName });
  }

  get table() {
    return this.chat.table;
  }

  get functions() {
    return this.chat.functions;
  }
}

/**
 * The stack's options from CDK context (`-c key=value`; lists comma-separated), read once here so
 * that the app and the tests read them the same way:
 * - `dev=true`: table and keys are deleted with the stack;
 * - `reviewFunctions=a,b`, `reviewFunctionTag=KEY=VALUE`: the review handlers rooms may use;
 * - `chatLogBuckets`, `chatLogGroups`, `chatLogStreams`: the chat-log destinations;
 * - `operationRates=CreateChatToken=500:1000,CreateRoom=10`: per-operation rate[:burst] over IVS's;
 * - `corsAllowOrigin=http://127.0.0.1:8787`: a browser page on that origin (the console) may call the control plane;
 * - `shardThreshold=5000`: rooms above this many connections are delivered in shards (default 2,000);
 * - `alarmTopicArn=arn:aws:sns:…`: the SNS topic the alarms notify; `metricsNamespace=…`: where the metrics go.
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
  const text = (key: string): string | undefined => {
    const value = context(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const shardThreshold = text('shardThreshold');
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
    // Checked by the construct (a whole number in range), so `-c shardThreshold=lots` fails the synth.
    shardThreshold: shardThreshold === undefined ? undefined : Number(shardThreshold),
    alarmTopicArn: text('alarmTopicArn'),
    metricsNamespace: text('metricsNamespace'),
  };
}

const isCount = (n: number | undefined): n is number => Number.isInteger(n) && (n as number) > 0;
