import { CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ChatFunction } from './constructs/chat-function';
import { ChatTable } from './constructs/chat-table';
import { ControlPlaneApi } from './constructs/control-plane-api';
import { MessagingApi } from './constructs/messaging-api';
import { RoomIntegrations, RoomIntegrationsProps } from './constructs/room-integrations';
import { TokenKeys } from './constructs/token-keys';
import { needsOf } from './permissions';

export interface IvsChatStackProps extends StackProps {
  /** Dev stacks may drop their data on `cdk destroy`; the default keeps rooms and keys. */
  removalPolicy?: RemovalPolicy;
  /** The review-handler functions and chat-log destinations rooms may use (default: any in the account). */
  roomIntegrations?: RoomIntegrationsProps;
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
    const chatFunction = (construct: string, module: string) => {
      const needs = needsOf(module);
      const fn = new ChatFunction(this, construct, { module }).bindTable(this.table.table, needs);
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
    });

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
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/prod/*/@connections/*]`,
        reason: 'execute-api:ManageConnections on this stage\'s @connections/*: connection ids exist only at runtime, nothing narrower can be named.',
      });
    }

    new CfnOutput(this, 'ControlPlaneUrl', {
      description: 'IvschatClient endpoint (sign as execute-api)',
      value: controlPlane.api.url,
    });
    new CfnOutput(this, 'MessagingUrl', { description: 'ChatRoom regionOrUrl', value: messaging.stage.url });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
  }
}
