import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OPERATIONS } from '../../lambdas/control-plane/operations';
import { ChatFunction } from '../../lib/constructs/chat-function';
import { ENV } from '../../lambdas/shared/env';
import { ControlPlaneApi } from '../../lib/constructs/control-plane-api';
import { IvsChatStack, stackPropsFromContext } from '../../lib/ivs-chat-stack';
import { unbundledApp } from '../helpers/unbundled-app';

const ORIGIN = 'https://console.example.com';

/**
 * The control plane alone, every operation on one function, under the AWS Solutions checks. Not
 * bundled: only the template is looked at (the bundles are checked in ivs-chat-stack.test.ts).
 */
function controlPlane(corsAllowOrigin?: string): Template {
  const app = unbundledApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, corsAllowOrigin ? 'Cors' : 'NoCors');
  const fn = new ChatFunction(stack, 'Fn', { module: 'control-plane/get-room' });
  new ControlPlaneApi(stack, 'ControlPlane', { functionFor: () => fn, corsAllowOrigin });
  // Synthesis runs the checks: an unacknowledged finding throws here.
  return Template.fromStack(stack);
}

test('without the prop, no CORS: no OPTIONS methods, no gateway responses, no origin for the handlers', () => {
  const template = controlPlane();
  template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  expect(JSON.stringify(template.findResources('AWS::ApiGateway::GatewayResponse'))).not.toContain('Access-Control');
  expect(JSON.stringify(template.toJSON())).not.toContain(ENV.corsAllowOrigin);
});

test('with corsAllowOrigin: unauthenticated preflights for the origin, CORS on gateway errors, the origin for the handlers; cdk-nag passes', () => {
  const template = controlPlane(ORIGIN);
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as { Properties: Record<string, unknown> }[];
  const preflights = methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS');
  // One per resource that has a route, and every operation still signed.
  expect(preflights.length).toBeGreaterThanOrEqual(new Set(OPERATIONS.map((o) => o.path)).size);
  for (const m of methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS')) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
  template.hasResourceProperties('AWS::ApiGateway::Method', {
    HttpMethod: 'OPTIONS',
    AuthorizationType: 'NONE',
    Integration: Match.objectLike({
      Type: 'MOCK',
      IntegrationResponses: [
        Match.objectLike({
          ResponseParameters: Match.objectLike({
            'method.response.header.Access-Control-Allow-Origin': `'${ORIGIN}'`,
            'method.response.header.Access-Control-Allow-Headers': Match.stringLikeRegexp(
              'authorization,content-type,x-amz-date,x-amz-security-token',
            ),
          }),
        }),
      ],
    }),
  });
  for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED']) {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': `'${ORIGIN}'`,
        'gatewayresponse.header.Access-Control-Expose-Headers': "'x-amzn-ErrorType,x-amzn-RequestId'",
        'gatewayresponse.header.Vary': "'Origin'",
      }),
    });
  }
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [ENV.corsAllowOrigin]: ORIGIN }) },
  });
});

test('corsAllowOrigin must be * or an origin', () => {
  for (const bad of ['', "https://x.example.com'", 'https://x.example.com/', 'console.example.com']) {
    expect(
      () =>
        new ControlPlaneApi(new Stack(unbundledApp(), 'Bad'), 'ControlPlane', {
          functionFor: () => undefined as never,
          corsAllowOrigin: bad,
        }),
    ).toThrow(/corsAllowOrigin/);
  }
});

test('the stack takes -c corsAllowOrigin into its IvsChat construct: every control-plane function gets it, the logical ids stay', () => {
  const app = unbundledApp({ corsAllowOrigin: ORIGIN });
  const stack = new IvsChatStack(app, 'IvsChat', stackPropsFromContext(app.node));
  const template = Template.fromStack(stack);
  expect(stack.chat.node.id).toBe('Default');
  expect(Object.keys(template.toJSON().Resources as object)).toEqual(
    expect.arrayContaining(['ControlPlaneApi03986FD5', 'DataTableFDBAD0F2']),
  );
  template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS', AuthorizationType: 'NONE' });
  const controlPlaneFunctions = Object.keys(stack.functions).filter((module) => module.startsWith('control-plane/'));
  const withOrigin = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: Match.objectLike({ [ENV.corsAllowOrigin]: ORIGIN }) } },
  });
  expect(controlPlaneFunctions.length).toBeGreaterThan(10);
  expect(Object.keys(withOrigin)).toHaveLength(controlPlaneFunctions.length);
});
