import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { OPERATIONS } from '../../lambdas/control-plane/operations';
import { TABLE, createTableInput } from '../../lambdas/data/table';
import { ENV } from '../../lambdas/shared/env';
import { IvsChatStack, stackPropsFromContext } from '../../lib/ivs-chat-stack';
import { NEEDS } from '../../lib/permissions';

// One synthesis for the whole file: it bundles every handler with esbuild.
const outdir = mkdtempSync(join(tmpdir(), 'ivschat-cdk-'));
const app = new App({ outdir });
const stack = new IvsChatStack(app, 'Test');
const template = Template.fromStack(stack);
app.synth();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;

const logicalIdOf = (module: string) => Stack.of(stack).getLogicalId(stack.functions[module]?.node.defaultChild as never);

test('every control-plane operation is a REST method with AWS_IAM authorization, at the path the SDK calls', () => {
  const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method');
  expect(methods).toHaveLength(OPERATIONS.length);
  for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
  const pathParts = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Resource')
    .map((r) => r.Properties.PathPart);
  for (const operation of OPERATIONS) {
    for (const part of operation.path.split('/').filter(Boolean)) expect(pathParts).toContain(part);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: operation.method,
      AuthorizationType: 'AWS_IAM',
      Integration: Match.objectLike({
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [logicalIdOf(`control-plane/${operation.module}`), 'Arn'] })]),
          ]),
        }),
      }),
    });
  }
  template.hasResourceProperties('AWS::ApiGateway::Stage', {
    MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })]),
    AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
  });
});

test('the WebSocket API has $connect, $disconnect and $default, each to its function', () => {
  for (const [routeKey, module] of [
    ['$connect', 'messaging/connect'],
    ['$disconnect', 'messaging/disconnect'],
    ['$default', 'messaging/default'],
  ] as const) {
    const target = new Capture();
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, Target: target });
    const integrationId = JSON.stringify(target.asObject()).match(/"Ref":"([^"]+)"/)?.[1] as string;
    expect(JSON.stringify(resources[integrationId]?.Properties.IntegrationUri)).toContain(logicalIdOf(module));
  }
  template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
});

test('the table has the keys, indexes and TTL the code uses, on demand, retained, with PITR', () => {
  const local = createTableInput('x');
  template.hasResource('AWS::DynamoDB::GlobalTable', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: local.KeySchema,
      AttributeDefinitions: Match.arrayEquals(local.AttributeDefinitions ?? []),
      GlobalSecondaryIndexes: Object.values(TABLE.indexes).map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        }),
      ),
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    }),
  });
});

test('every function runs Node.js 22 on ARM64 with its table name', () => {
  const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(functions).toHaveLength(Object.keys(NEEDS).length);
  for (const fn of functions) {
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toHaveProperty(ENV.tableName);
  }
});

/** Every statement of the policy attached to a function's role. */
function statementsOf(module: string): { Action: string | string[]; Resource: unknown }[] {
  const fnProps = resources[logicalIdOf(module)]?.Properties as { Role: { 'Fn::GetAtt': [string, string] } };
  const role = fnProps.Role['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
}

test.each(Object.entries(NEEDS))('%s gets only the actions it needs', (module, needs) => {
  expect(stack.functions[module]).toBeDefined();
  const statements = statementsOf(module);
  const actions = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
  // By default no review handler or chat-log destination is allowed (test/infra/aws-defaults.test.ts).
  const expected = new Set([
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    ...needs.table,
    ...(needs.indexes.length ? ['dynamodb:Query'] : []),
    ...(needs.connections ? ['execute-api:ManageConnections'] : []),
    ...(needs.tokenKeys ? ['secretsmanager:GetSecretValue'] : []),
    ...(needs.shardQueue === 'send' ? ['sqs:SendMessage'] : []),
    ...(needs.shardQueue === 'consume' ? ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] : []),
  ]);
  expect([...actions].sort()).toEqual([...expected].sort());
  for (const s of statements) {
    expect(s.Action).not.toBe('*');
    expect(JSON.stringify(s.Resource)).not.toBe('"*"');
  }
  // A function may query the table itself (one statement) and indexes (another): look at all of them.
  const queried = JSON.stringify(
    statements
      .filter((s) => s.Action === 'dynamodb:Query' || (Array.isArray(s.Action) && s.Action.includes('dynamodb:Query')))
      .map((s) => s.Resource),
  );
  for (const index of needs.indexes) expect(queried).toContain(`/index/${TABLE.indexes[index].indexName}`);
  for (const [name, index] of Object.entries(TABLE.indexes)) {
    if (!(needs.indexes as readonly string[]).includes(name)) expect(queried).not.toContain(`/index/${index.indexName}"`);
  }
  expect(queried).not.toContain('index/*');
});

test('no IAM statement anywhere allows every action', () => {
  for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
    for (const s of (r.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement) {
      expect([s.Action].flat()).not.toContain('*');
    }
  }
});

test('functions that reach sockets know the @connections endpoint; token functions know the key secret', () => {
  for (const [module, needs] of Object.entries(NEEDS)) {
    const vars = (resources[logicalIdOf(module)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).includes(ENV.connectionsEndpoint)).toBe(Boolean(needs.connections));
    expect(Object.keys(vars).includes(ENV.tokenKeysSecretArn)).toBe(Boolean(needs.tokenKeys));
  }
});

test('expired sessions are swept every minute; both URLs are outputs', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 minute)',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf('messaging/end-expired-sessions'), 'Arn'] } })],
  });
  template.hasOutput('ControlPlaneUrl', {});
  template.hasOutput('MessagingUrl', {});
});

test('every bundled handler exists and exports `handler`', () => {
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const bundles = Object.values(manifest.files)
    .map((asset) => join(outdir, asset.source.path, 'index.js'))
    .filter((bundle) => existsSync(bundle));
  expect(bundles).toHaveLength(Object.keys(NEEDS).length);
  for (const bundle of bundles) {
    const loaded = require(bundle) as { handler?: unknown };
    expect(typeof loaded.handler).toBe('function');
  }
});

test('`cdk synth` of the app (with the cdk-nag AwsSolutions checks) runs offline with no AWS credentials', () => {
  const out = mkdtempSync(join(tmpdir(), 'ivschat-synth-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out], {
    cwd: join(__dirname, '../..'),
    env: { ...env, CDK_DISABLE_VERSION_CHECK: '1' },
    stdio: 'pipe',
  });
  const synthesized = JSON.parse(readFileSync(join(out, 'IvsChat.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  expect(Object.values(synthesized.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(Object.keys(NEEDS).length);
  // A whole CLI synth bundles every handler again: ~35 s alone, far more on 2 busy cores.
}, 180_000);

describe('the extension operations (docs/extensions.md)', () => {
  const EXTENSIONS = ['ListMessages', 'GetRoomPresence', 'BanUser', 'UnbanUser', 'ListBans'];

  test('each is a POST method at /<name> with AWS_IAM authorization, to its own function', () => {
    for (const name of EXTENSIONS) {
      const operation = OPERATIONS.find((o) => o.name === name);
      expect(operation).toMatchObject({ method: 'POST', path: `/${name}` });
      const resourceId = Object.entries(resources).find(
        ([, r]) => r.Type === 'AWS::ApiGateway::Resource' && r.Properties.PathPart === name,
      )?.[0];
      expect(resourceId).toBeDefined();
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        AuthorizationType: 'AWS_IAM',
        ResourceId: { Ref: resourceId },
        Integration: Match.objectLike({
          Uri: Match.objectLike({
            'Fn::Join': Match.arrayWith([
              Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [logicalIdOf(`control-plane/${operation?.module}`), 'Arn'] })]),
            ]),
          }),
        }),
      });
    }
  });

  test('only ListBans and ListMessages query the RoomTimeline index; the read-only extensions write nothing', () => {
    const timeline = Object.entries(NEEDS)
      .filter(([, needs]) => (needs.indexes as readonly string[]).includes('roomTimeline'))
      .map(([module]) => module);
    expect(timeline.sort()).toEqual(['control-plane/list-bans', 'control-plane/list-messages']);
    for (const module of ['control-plane/list-messages', 'control-plane/get-room-presence', 'control-plane/list-bans']) {
      expect(statementsOf(module).flatMap((s) => s.Action)).toEqual(
        expect.not.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem']),
      );
    }
  });

  test('every function knows the history retention: 24 hours by default, the stack prop (-c historyHours=) otherwise', () => {
    for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.historyHours]).toBe('24');
    }
    // No bundling: only the environment is looked at.
    const unbundled = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const off = Template.fromStack(new IvsChatStack(unbundled(), 'NoHistory', { historyHours: 0 }));
    const variables = Object.values(off.findResources('AWS::Lambda::Function')).map(
      (fn) => (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables[ENV.historyHours],
    );
    expect(new Set(variables)).toEqual(new Set(['0']));
    expect(() => new IvsChatStack(unbundled(), 'Bad', { historyHours: -1 })).toThrow(/historyHours/);
    const fromContext = unbundled();
    fromContext.node.setContext('historyHours', '72');
    expect(stackPropsFromContext(fromContext.node).historyHours).toBe(72);
  });
});
