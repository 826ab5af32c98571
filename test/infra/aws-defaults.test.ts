import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CreateRoomCommand, IvschatClient, ThrottlingException } from '@aws-sdk/client-ivschat';
import { OPERATIONS, OPERATION_RATES } from '../../lambdas/control-plane/operations';
import { IvsChatStack, stackPropsFromContext } from '../../lib/ivs-chat-stack';
import { TemplateJson, synthesized } from '../helpers/synthesized';
import { unbundledApp } from '../helpers/unbundled-app';

/**
 * The secure and operable defaults of the AWS stack: what may be invoked or written without the
 * deployer asking, logs, throttles, and the shapes clients see. The defaults are the run's `cdk synth`
 * (test/infra/synth-once.ts); the variants below skip bundling (the handlers are bundled and loaded
 * in ivs-chat-stack.test.ts), and run the cdk-nag checks in-process.
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function synth(context: Record<string, unknown> = {}, change?: (stack: IvsChatStack) => void) {
  const app = unbundledApp(context);
  const stack = new IvsChatStack(app, 'Defaults', stackPropsFromContext(app.node));
  change?.(stack);
  // As bin/app.ts does: the checks run during synthesis, which throws on an unacknowledged finding.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  return { app, stack, template, resources: template.Resources };
}

const byType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actionsOf = (s: Statement) => [s.Action].flat();
const statements = (resources: Record<string, Resource>) =>
  byType(resources, 'AWS::IAM::Policy').flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

// The app as `cdk synth` made it for this run, checks included (test/infra/synth-once.ts).
let defaults: { template: TemplateJson; resources: Record<string, Resource> };
beforeAll(async () => {
  const { template } = await synthesized();
  defaults = { template, resources: template.Resources };
}, 300_000);

describe('by default', () => {
  test("nothing may invoke a function or write to S3 or Firehose; logs only go to each function's own log group", () => {
    const all = statements(defaults.resources);
    expect(all.filter((s) => actionsOf(s).some((a) => /^(lambda|s3|firehose):/.test(a)))).toEqual([]);
    for (const s of all.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')))) {
      expect(JSON.stringify(s.Resource)).not.toContain('*');
    }
    for (const s of all) expect(JSON.stringify(s.Resource)).not.toBe('"*"');
  });

  test('no function role has AWSLambdaBasicExecutionRole (or any managed policy); each writes exactly its own log group', () => {
    expect(JSON.stringify(defaults.template)).not.toContain('AWSLambdaBasicExecutionRole');
    const functions = byType(defaults.resources, 'AWS::Lambda::Function');
    // $connect, $disconnect, $default, the session sweeper and the shard worker.
    expect(functions.length).toBe(OPERATIONS.length + 5);
    for (const [, fn] of functions) {
      const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(defaults.resources[role]?.Properties.ManagedPolicyArns).toBeUndefined();
      const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(defaults.resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      const policies = byType(defaults.resources, 'AWS::IAM::Policy').filter(
        ([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]),
      );
      const logGrants = policies
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logGrants).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
      ]);
      // The function waits for its grant, or its first cold start could not log.
      expect(fn.DependsOn).toEqual(expect.arrayContaining(policies.map(([policyId]) => policyId)));
    }
  });

  test('the cdk-nag AwsSolutions checks pass (the synthesis of the run), and fail on an unacknowledged wildcard', () => {
    expect(defaults.template.Resources).toBeDefined();
    const wildcard = new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: ['*'] });
    expect(() => synth({}, (stack) => stack.functions['messaging/default']?.addToRolePolicy(wildcard))).toThrow(
      /AwsSolutions-IAM5\[Resource::\*\]/,
    );
  });
});

test("the WebSocket stage waits for API Gateway's account CloudWatch role", () => {
  const [[account]] = byType(defaults.resources, 'AWS::ApiGateway::Account') as [[string, Resource]];
  const [[, wsStage]] = byType(defaults.resources, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
  expect(wsStage.DependsOn).toContain(account);
  expect(wsStage.Properties.AccessLogSettings).toBeDefined();
  for (const [, stage] of byType(defaults.resources, 'AWS::ApiGateway::Stage')) expect(stage.DependsOn).toContain(account);
});

test('the WebSocket access log is one JSON object of WebSocket variables, with no headers', () => {
  const [[, wsStage]] = byType(defaults.resources, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
  const format = (wsStage.Properties.AccessLogSettings as { Format: string }).Format;
  const fields = JSON.parse(format) as Record<string, string>;
  for (const variable of [
    'requestId',
    'connectionId',
    'eventType',
    'routeKey',
    'status',
    'messageId',
    'connectedAt',
    'identity.sourceIp',
    'integration.error',
  ]) {
    expect(Object.values(fields)).toContain(`$context.${variable}`);
  }
  // REST-only variables are empty on a WebSocket stage; request headers would carry the chat token.
  expect(format).not.toMatch(/httpMethod|resourcePath|protocol|\$input|header/i);
});

test('every function runs with source maps enabled', () => {
  for (const [, fn] of byType(defaults.resources, 'AWS::Lambda::Function')) {
    expect((fn.Properties.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS).toBe('--enable-source-maps');
  }
});

describe('control-plane quotas', () => {
  const methodSettings = () => {
    const [[, stage]] = byType(defaults.resources, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    return stage.Properties.MethodSettings as {
      ResourcePath: string;
      HttpMethod: string;
      ThrottlingRateLimit: number;
      ThrottlingBurstLimit: number;
      LoggingLevel?: string;
    }[];
  };
  const settingOf = (settings: ReturnType<typeof methodSettings>, name: string) => {
    const operation = OPERATIONS.find((o) => o.name === name)!;
    return settings.find(
      (m) => m.ResourcePath === operation.path.replaceAll('/', '~1').replace(/^~1/, '/~1') && m.HttpMethod === operation.method,
    );
  };

  test("every operation is throttled at IVS's documented rate, burst one second of it, still logging errors", () => {
    const settings = methodSettings();
    for (const operation of OPERATIONS) {
      expect(settingOf(settings, operation.name)).toMatchObject({
        ThrottlingRateLimit: OPERATION_RATES[operation.name],
        ThrottlingBurstLimit: OPERATION_RATES[operation.name],
        LoggingLevel: 'ERROR',
      });
    }
    // The figures of the IVS Chat quotas page, independently of the table above.
    const documented = {
      CreateRoom: 5,
      ListRooms: 5,
      CreateChatToken: 200,
      SendEvent: 100,
      DeleteMessage: 100,
      DisconnectUser: 100,
      GetLoggingConfiguration: 3,
      UntagResource: 10,
    };
    for (const [name, rate] of Object.entries(documented)) expect(settingOf(settings, name)?.ThrottlingRateLimit).toBe(rate);
    expect(settings.filter((m) => m.ResourcePath !== '/*')).toHaveLength(OPERATIONS.length);
  });

  test('a THROTTLED answer is 429 with x-amzn-ErrorType ThrottlingException and a JSON message', () => {
    const responses = byType(defaults.resources, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties);
    expect(responses).toEqual([
      expect.objectContaining({
        ResponseType: 'THROTTLED',
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.x-amzn-ErrorType': "'ThrottlingException'" },
        ResponseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
      }),
    ]);
  });
});

/** A local HTTP server standing in for API Gateway, recording each request's path. */
async function withServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
  run: (base: string, paths: string[]) => Promise<void>,
) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume().on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const client = (endpoint: string) =>
  new IvschatClient({
    endpoint,
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });

/** The stage path the ControlPlaneUrl output ends with (`/prod`), resolved as CloudFormation would. */
function controlPlaneUrlPath(): string {
  const join = defaults.template.Outputs.ControlPlaneUrl?.Value as { 'Fn::Join': [string, unknown[]] };
  const stageName = (id: string) =>
    defaults.resources[id]?.Type === 'AWS::ApiGateway::Stage' ? String(defaults.resources[id]?.Properties.StageName) : 'x';
  const url = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : stageName((part as { Ref: string }).Ref))).join('');
  return url.slice(url.indexOf('/', 'https://'.length));
}

test('with the ControlPlaneUrl output as endpoint, the SDK calls /prod/CreateRoom (not /prod//CreateRoom)', async () => {
  const path = controlPlaneUrlPath();
  expect(path).toBe('/prod');
  await withServer(
    (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"abcdEFGH1234"}'),
    async (base, paths) => {
      await client(`${base}${path}`).send(new CreateRoomCommand({}));
      await client(`${base}${path}/`).send(new CreateRoomCommand({}));
      expect(paths).toEqual(['/prod/CreateRoom', '/prod//CreateRoom']);
    },
  );
});

test('the SDK raises ThrottlingException, with the message, from the THROTTLED gateway response', async () => {
  const [[, response]] = byType(defaults.resources, 'AWS::ApiGateway::GatewayResponse') as [[string, Resource]];
  const props = response.Properties as {
    StatusCode: string;
    ResponseParameters: Record<string, string>;
    ResponseTemplates: Record<string, string>;
  };
  // As API Gateway renders it: header values are quoted literals, messageString is the quoted message.
  const headers = Object.fromEntries(
    Object.entries(props.ResponseParameters).map(([k, v]) => [k.replace('gatewayresponse.header.', ''), v.replace(/^'|'$/g, '')]),
  );
  const body = props.ResponseTemplates['application/json']!.replace('$context.error.messageString', JSON.stringify('Too Many Requests'));
  await withServer(
    (_req, res) => res.writeHead(Number(props.StatusCode), { 'content-type': 'application/json', ...headers }).end(body),
    async (base) => {
      const error = await client(`${base}/prod`)
        .send(new CreateRoomCommand({}))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThrottlingException);
      expect((error as ThrottlingException).message).toBe('Too Many Requests');
      expect((error as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    },
  );
});

describe('what a deployment allows, from context', () => {
  const allowed = synth({
    reviewFunctions: 'profanity, spam',
    reviewFunctionTag: 'ivschat:review=allowed',
    chatLogBuckets: 'my-chat-logs',
    chatLogGroups: '/chat/rooms',
    chatLogStreams: 'chat-stream',
    operationRates: 'CreateChatToken=500:1000,CreateRoom=10',
  });
  const json = (s: Statement[]) => JSON.stringify(s);
  const ofAction = (action: string) => statements(allowed.resources).filter((s) => actionsOf(s).includes(action));

  test('review handlers by name (with versions and aliases) or by tag, and nothing else', () => {
    const invoke = ofAction('lambda:InvokeFunction');
    expect(json(invoke)).toContain(':function:profanity"');
    expect(json(invoke)).toContain(':function:profanity:*"');
    expect(json(invoke)).toContain(':function:spam"');
    const wide = invoke.filter((s) => JSON.stringify(s.Resource).includes(':function:*'));
    expect(wide).toHaveLength(1);
    expect(wide[0]?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ivschat:review': 'allowed' } });
  });

  test("chat-log destinations by name only, under AWS's IVSChatLogs names", () => {
    expect(json(ofAction('s3:PutObject'))).toContain(':s3:::my-chat-logs/AWSLogs/');
    expect(json(ofAction('firehose:PutRecordBatch'))).toContain(':deliverystream/chat-stream"');
    const chatLogWrites = ofAction('logs:PutLogEvents').filter((s) => JSON.stringify(s.Resource).includes('log-group:'));
    expect(json(chatLogWrites)).toContain(':log-group:/chat/rooms:log-stream:aws/IVSChatLogs/*');
    for (const s of [...ofAction('s3:PutObject'), ...ofAction('firehose:PutRecordBatch'), ...chatLogWrites]) {
      expect(JSON.stringify(s.Resource)).not.toMatch(/:::\*|deliverystream\/\*|log-group:\*/);
    }
  });

  test("operation rates override IVS's, the others stay", () => {
    const [[, stage]] = byType(allowed.resources, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    const settings = stage.Properties.MethodSettings as {
      ResourcePath: string;
      ThrottlingRateLimit: number;
      ThrottlingBurstLimit: number;
    }[];
    expect(settings.find((m) => m.ResourcePath === '/~1CreateChatToken')).toMatchObject({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
    expect(settings.find((m) => m.ResourcePath === '/~1CreateRoom')).toMatchObject({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 10 });
    expect(settings.find((m) => m.ResourcePath === '/~1GetRoom')).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 5 });
  });

  test('the cdk-nag checks pass with every option set (each wildcard left is acknowledged)', () => {
    expect(allowed.template.Resources).toBeDefined();
  });

  test.each([
    [{ reviewFunctions: '*' }, /reviewFunctions/],
    [{ reviewFunctions: 'arn:aws:lambda:eu-west-1:123456789012:function:x' }, /not an ARN/],
    [{ chatLogBuckets: 'Bad_Bucket' }, /chatLogBuckets/],
    [{ chatLogGroups: 'group*' }, /chatLogGroups/],
    [{ chatLogStreams: 'a/b' }, /chatLogStreams/],
    [{ reviewFunctionTag: 'no-value' }, /reviewFunctionTag/],
    [{ reviewFunctionTag: 'aws:cloudformation:stack-name=x' }, /reviewFunctionTag/],
    [{ operationRates: 'CreateRooms=5' }, /no such operation/],
    [{ operationRates: 'CreateRoom=0' }, /operationRates/],
    [{ operationRates: 'CreateRoom=fast' }, /operationRates/],
  ])('%j is refused at synth', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });
});
