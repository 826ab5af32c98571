import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import type { ChatFunction } from './chat-function';

export interface MessagingApiProps {
  connect: ChatFunction;
  disconnect: ChatFunction;
  default: ChatFunction;
}

/**
 * One JSON line per connect, message and disconnect, from WebSocket context variables (the REST
 * ones such as httpMethod or resourcePath are empty here). No headers: the chat token travels as
 * the subprotocol and must not land in a log.
 */
export const WEBSOCKET_ACCESS_LOG = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  connectionId: '$context.connectionId',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  messageId: '$context.messageId',
  status: '$context.status',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  connectedAt: '$context.connectedAt',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  error: '$context.error.message',
};

/**
 * The Messaging API as an API Gateway WebSocket API: $connect (checks the chat token carried as
 * the subprotocol and echoes it), $disconnect and $default. No API Gateway authorizer: the chat
 * token is the credential, checked by $connect.
 */
export class MessagingApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: MessagingApiProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'Amazon IVS Chat compatible Messaging API',
      connectRouteOptions: { integration: new WebSocketLambdaIntegration('ConnectIntegration', props.connect) },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('DisconnectIntegration', props.disconnect) },
      defaultRouteOptions: { integration: new WebSocketLambdaIntegration('MessageIntegration', props.default) },
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: 'prod',
      autoDeploy: true,
      // Client frames per second across the stage; the room's own rate limit sits below this.
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH })),
        format: AccessLogFormat.custom(JSON.stringify(WEBSOCKET_ACCESS_LOG)),
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The chat token (the subprotocol) is the credential: $connect checks it; $disconnect and $default take no authorizer.',
    });
  }

  /**
   * Lets a function post to and close connections: the @connections endpoint of this stage in its
   * environment, and execute-api:ManageConnections on this stage's @connections only.
   */
  bindConnections(fn: ChatFunction): void {
    fn.addEnvironment(ENV.connectionsEndpoint, this.stage.callbackUrl);
    // Connection ids are minted at runtime, so @connections/* on this stage is the narrowest
    // resource IAM can name (cdk-nag AwsSolutions-IAM5, acknowledged in the stack).
    this.stage.grantManagementApiAccess(fn);
  }
}
