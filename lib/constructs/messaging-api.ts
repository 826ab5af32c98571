import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
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
    });
  }

  /**
   * Lets a function post to and close connections: the @connections endpoint of this stage in its
   * environment, and execute-api:ManageConnections on this stage's @connections only.
   */
  bindConnections(fn: ChatFunction): void {
    fn.addEnvironment(ENV.connectionsEndpoint, this.stage.callbackUrl);
    this.stage.grantManagementApiAccess(fn);
  }
}
