import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OPERATIONS, Operation } from '../../lambdas/control-plane/operations';
import { ChatFunction } from './chat-function';

export interface ControlPlaneApiProps {
  /** Builds the function for one operation (the stack binds table, keys and connections to it). */
  functionFor: (operation: Operation) => ChatFunction;
  /** Steady-state requests per second for the whole stage, and the burst above it. */
  throttle?: { rateLimit: number; burstLimit: number };
}

/**
 * The IVS Chat API as a REST API: one route per operation, exactly as the AWS SDK sends it
 * (operations.ts is the shared table), AWS_IAM authorization on every method, throttling and JSON
 * access logs on the stage. Tag routes take the SDK's fully percent-encoded ARN as one path
 * segment `{resourceArn}`; API Gateway routes on the raw path, and the handler decodes it once.
 */
export class ControlPlaneApi extends Construct {
  readonly api: RestApi;
  readonly functions: ChatFunction[] = [];

  constructor(scope: Construct, id: string, props: ControlPlaneApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      description: 'Amazon IVS Chat compatible control plane',
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: props.throttle?.rateLimit ?? 100,
        throttlingBurstLimit: props.throttle?.burstLimit ?? 200,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are AWS principals: every method uses AWS_IAM authorization, as the IVS Chat API does.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason: 'Each handler validates every member as AWS does and answers ValidationException with a fieldList.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'A WAF web ACL is the deployer\'s choice (it costs per ACL); IAM authorization guards every method.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level CloudWatch role uses AWS's managed AmazonAPIGatewayPushToCloudWatchLogs policy.",
    });
    for (const operation of OPERATIONS) {
      const fn = props.functionFor(operation);
      this.functions.push(fn);
      resourceAt(this.api.root, operation.path).addMethod(operation.method, new LambdaIntegration(fn, { timeout: Duration.seconds(29) }), {
        authorizationType: AuthorizationType.IAM,
      });
    }
  }
}

/** The resource for a path like `/tags/{resourceArn}`, created once and shared by its methods. */
function resourceAt(root: IResource, path: string): IResource {
  return path
    .split('/')
    .filter(Boolean)
    .reduce((parent, part) => parent.getResource(part) ?? parent.addResource(part), root);
}
