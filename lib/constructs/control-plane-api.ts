import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CfnAccount,
  IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodDeploymentOptions,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OPERATIONS, OPERATION_RATES, Operation } from '../../lambdas/control-plane/operations';
import { corsHeaders, isCorsOrigin } from '../../lambdas/shared/cors';
import { ENV } from '../../lambdas/shared/env';
import { ChatFunction } from './chat-function';

export interface ControlPlaneApiProps {
  /** Builds the function for one operation (the stack binds table, keys and connections to it). */
  functionFor: (operation: Operation) => ChatFunction;
  /** The stage's default per-method throttle, for any method without its own (each operation has one). */
  throttle?: Throttle;
  /** Per-operation throttles by operation name, over IVS's defaults (OPERATION_RATES). */
  operationThrottles?: Partial<Record<string, Throttle>>;
  /**
   * Opt-in CORS for a browser page on another origin (the console, for one) that signs its own
   * calls: the origin allowed, e.g. `https://console.example.com`, or `*`. Signatures, not cookies,
   * authorize every call, so the origin adds no access; it only lets browsers read the answers.
   * Off by default: SDKs, CLIs and servers need no CORS.
   */
  corsAllowOrigin?: string;
}

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/** What the browser SDK sends: SigV4's headers and the SDK's own. */
const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
];

/**
 * The IVS Chat API as a REST API: one route per operation, exactly as the AWS SDK sends it
 * (operations.ts is the shared table), AWS_IAM authorization on every method, IVS's per-operation
 * throttles (answered as ThrottlingException), JSON access logs on the stage. Tag routes take the
 * SDK's fully percent-encoded ARN as one path segment `{resourceArn}`; API Gateway routes on the
 * raw path, and the handler decodes it once.
 */
export class ControlPlaneApi extends Construct {
  readonly api: RestApi;
  readonly functions: ChatFunction[] = [];
  /** API Gateway's account settings (its CloudWatch role): every stage that logs must wait for it. */
  readonly cloudWatchAccount: CfnAccount;
  /** The stage URL without a trailing slash: the SDK appends `/CreateRoom` to an endpoint's path. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ControlPlaneApiProps) {
    super(scope, id);
    const throttles = operationThrottles(props.operationThrottles);
    if (props.corsAllowOrigin !== undefined && !isCorsOrigin(props.corsAllowOrigin)) {
      throw new Error(
        `corsAllowOrigin must be * or an origin such as https://console.example.com (scheme, host, optional port), got '${props.corsAllowOrigin}'`,
      );
    }
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
        // Method settings replace the stage's for that method, hence the logging level again.
        methodOptions: Object.fromEntries(
          OPERATIONS.map((operation): [string, MethodDeploymentOptions] => {
            const { rateLimit, burstLimit } = throttles[operation.name] as Throttle;
            return [
              `${operation.path}/${operation.method}`,
              { loggingLevel: MethodLoggingLevel.ERROR, throttlingRateLimit: rateLimit, throttlingBurstLimit: burstLimit },
            ];
          }),
        ),
      },
      ...(props.corsAllowOrigin
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [props.corsAllowOrigin],
              allowHeaders: CORS_ALLOW_HEADERS,
              allowMethods: [...new Set(OPERATIONS.map((o) => o.method))],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.cloudWatchAccount = this.api.node.findChild('Account') as CfnAccount;
    this.url = `https://${this.api.restApiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.api.deploymentStage.stageName}`;
    // The SDK picks the exception class from x-amzn-ErrorType and the message from the body's
    // `message`: without this, a throttled call is an IvschatServiceException named "Unknown".
    this.api.addGatewayResponse('Throttled', {
      type: ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { 'x-amzn-ErrorType': "'ThrottlingException'", ...corsResponseHeaders(props.corsAllowOrigin) },
      templates: { 'application/json': THROTTLED_BODY },
    });
    for (const finding of [
      { id: 'AwsSolutions-COG4', reason: 'Callers are AWS principals: every method uses AWS_IAM authorization, as the IVS Chat API does.' },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'Each handler validates every member as AWS does and answers ValidationException with a fieldList.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: "A WAF web ACL is the deployer's choice (it costs per ACL); IAM authorization guards every method.",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's account-level CloudWatch role uses AWS's managed AmazonAPIGatewayPushToCloudWatchLogs policy.",
      },
    ]) {
      Validations.of(this.api).acknowledge(finding);
    }
    for (const operation of OPERATIONS) {
      const fn = props.functionFor(operation);
      if (props.corsAllowOrigin) fn.addEnvironment(ENV.corsAllowOrigin, props.corsAllowOrigin);
      this.functions.push(fn);
      resourceAt(this.api.root, operation.path).addMethod(operation.method, new LambdaIntegration(fn, { timeout: Duration.seconds(29) }), {
        authorizationType: AuthorizationType.IAM,
      });
    }
    if (props.corsAllowOrigin) this.allowBrowsers(props.corsAllowOrigin);
  }

  /**
   * CORS on the answers API Gateway gives itself (signature refused, no such route; the throttled
   * answer above has them too), which never reach a handler. The preflight OPTIONS methods come from defaultCorsPreflightOptions: mock
   * integrations without authorization, as browsers send preflights without credentials (cdk-nag
   * exempts them).
   */
  private allowBrowsers(origin: string): void {
    const responseHeaders = corsResponseHeaders(origin);
    this.api.addGatewayResponse('Default4xxCors', { type: ResponseType.DEFAULT_4XX, responseHeaders });
    this.api.addGatewayResponse('Default5xxCors', { type: ResponseType.DEFAULT_5XX, responseHeaders });
  }
}

/** The THROTTLED gateway response's body; `messageString` is API Gateway's message, already quoted. */
export const THROTTLED_BODY = '{"message":$context.error.messageString}';

/** IVS's rates with the deployment's overrides; an override for an unknown operation is an error. */
function operationThrottles(overrides: Partial<Record<string, Throttle>> = {}): Record<string, Throttle> {
  for (const name of Object.keys(overrides)) {
    if (!OPERATIONS.some((operation) => operation.name === name)) throw new Error(`operation throttle for ${name}: no such operation`);
  }
  return Object.fromEntries(
    OPERATIONS.map((operation) => {
      const rate = OPERATION_RATES[operation.name];
      if (rate === undefined) throw new Error(`OPERATION_RATES has no rate for ${operation.name}`);
      return [operation.name, overrides[operation.name] ?? { rateLimit: rate, burstLimit: rate }];
    }),
  );
}

/** CORS headers for API Gateway's own responses (values quoted, as mapping expressions are); none without an origin. */
function corsResponseHeaders(origin: string | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(corsHeaders(origin)).map(([name, value]) => [gatewayHeaderName(name), `'${value}'`]));
}

/** `access-control-allow-origin` as API Gateway's console and docs write it: `Access-Control-Allow-Origin`. */
const gatewayHeaderName = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/** The resource for a path like `/tags/{resourceArn}`, created once and shared by its methods. */
function resourceAt(root: IResource, path: string): IResource {
  return path
    .split('/')
    .filter(Boolean)
    .reduce((parent, part) => parent.getResource(part) ?? parent.addResource(part), root);
}
