import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import { TABLE } from '../../lambdas/data/table';
import { packageRoot } from '../package-root';
import type { TableAccess } from '../permissions';

const ROOT = packageRoot(__dirname);
/**
 * This repository's lock file. An installed copy of the package has none (npm never packs one): its
 * functions are bundled from the package's lambdas/ sources with the dependencies the user's project
 * installed, so NodejsFunction finds the project's own lock file and root, as it does for the
 * user's functions, and runs the project's esbuild. The package ships this repository's
 * tsconfig.json, so esbuild reads the same compiler options there as here (not the project's).
 */
const LOCK_FILE = join(ROOT, 'package-lock.json');
const INSTALLED = !existsSync(LOCK_FILE);

export interface ChatFunctionProps {
  /** Handler module under lambdas/, without extension, e.g. `control-plane/create-room`. */
  module: string;
  /** Extra environment; the table, account and region variables are set here. */
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
}

/**
 * One handler module as a Lambda function, with the project's defaults: Node.js 22 on ARM64,
 * bundled by the locally installed esbuild (never Docker), every dependency inside the bundle
 * (the versions package-lock.json pins, not the runtime's SDK), stack traces through the bundle's
 * source maps, and a log group of its own (one month) that is the only one it may write to.
 */
export class ChatFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    // Created here rather than by Lambda on first write, so the role's log grant can name it: no
    // AWSLambdaBasicExecutionRole (logs:* on every log group of the account).
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    if (INSTALLED && Stack.of(scope).bundlingRequired) requireEsbuild();
    super(scope, id, {
      entry: join(ROOT, 'lambdas', `${props.module}.ts`),
      handler: 'handler',
      ...(INSTALLED ? {} : { projectRoot: ROOT, depsLockFilePath: LOCK_FILE }),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(29),
      environment: {
        [ENV.accountId]: Stack.of(scope).account,
        // The SDK's own keep-alive and a quiet start: no Node-version notice in every cold start's log.
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // The bundles are minified: without this, a stack trace points into one long line.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        externalModules: [],
        // esbuild's summary of every bundle (20 of them) says nothing a deployer needs; errors still show.
        logLevel: LogLevel.ERROR,
      },
      logGroup,
      role,
    });
    // Exactly what the runtime does with its log group: streams, and events in them.
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 on purpose: the pinned middy 6 and AWS SDK versions are tested on Node 20 and 22.',
    });
  }

  /**
   * Accepts a cdk-nag finding on this function and its role (a sibling construct, not a child, so
   * that its log grant can be exact), with the reason it is true.
   */
  acknowledge(id: string, reason: string): void {
    Validations.of(this).acknowledge({ id, reason });
    if (this.role) Validations.of(this.role).acknowledge({ id, reason });
  }

  /**
   * Sets the table name and grants exactly the table actions and indexes this function uses.
   * Index ARNs are listed one by one, never `index/*`.
   */
  bindTable(table: ITableV2, access: TableAccess): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    if (access.table.length > 0) {
      this.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...access.table], resources: [table.tableArn] }));
    }
    if (access.indexes.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['dynamodb:Query'],
          resources: access.indexes.map((index) => `${table.tableArn}/index/${TABLE.indexes[index].indexName}`),
        }),
      );
    }
    return this;
  }
}

/**
 * Without esbuild in the user's project NodejsFunction falls back to Docker bundling, which fails far
 * from the cause (or bundles differently): say what to install instead. Resolved as NodejsFunction does.
 */
function requireEsbuild(): void {
  try {
    require.resolve('esbuild/package.json', { paths: [dirname(require.resolve('aws-cdk-lib/package.json'))] });
  } catch {
    throw new Error("ivschat-selfhosted/cdk bundles the chat's functions with your project's esbuild: npm install --save-dev esbuild");
  }
}
