import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ChatFunction } from './chat-function';

/**
 * Where rooms may point: the Lambda functions of their message review handlers and the
 * destinations of their logging configurations. Rooms name them at runtime, so nothing is granted
 * unless the deployment allows it: review functions by name or by a tag they carry, chat-log
 * destinations by name. A room whose handler this deployment may not invoke gets its fallback
 * result; a destination it may not write to gets no chat log.
 */
export interface RoomIntegrationsProps {
  /** Function names (not ARNs); each also covers its versions and aliases. */
  reviewFunctions?: string[];
  /** Any function of this account and region that carries this tag (an `aws:ResourceTag` condition). */
  reviewFunctionTag?: { key: string; value: string };
  /** S3 bucket names: objects only under `AWSLogs/<account>/IVSChatLogs/`. */
  chatLogBuckets?: string[];
  /** CloudWatch Logs group names: streams only under `aws/IVSChatLogs/`. */
  chatLogGroups?: string[];
  /** Firehose delivery stream names. */
  chatLogStreams?: string[];
}

/**
 * AWS's own name rules, and no wildcard: a `*` here would turn a narrow grant back into the broad
 * one. Checked at synth, so a typo fails the deploy instead of silently granting nothing useful.
 */
const NAME_RULES: Record<Exclude<keyof RoomIntegrationsProps, 'reviewFunctionTag'>, { pattern: RegExp; rule: string }> = {
  reviewFunctions: { pattern: /^[a-zA-Z0-9_-]{1,64}$/, rule: 'a Lambda function name (1-64 letters, digits, - or _), not an ARN' },
  chatLogBuckets: { pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, rule: 'an S3 bucket name (3-63 lowercase letters, digits, . or -)' },
  chatLogGroups: { pattern: /^[a-zA-Z0-9_\-/.#]{1,512}$/, rule: 'a CloudWatch Logs group name (letters, digits, _ - / . #)' },
  chatLogStreams: { pattern: /^[a-zA-Z0-9_.-]{1,64}$/, rule: 'a Firehose delivery stream name (1-64 letters, digits, _ . or -)' },
};

/** Tag keys and values as Lambda accepts them; `aws:` keys are AWS's own. */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

export class RoomIntegrations {
  private readonly props: RoomIntegrationsProps;

  constructor(
    private readonly stack: Stack,
    props: RoomIntegrationsProps = {},
  ) {
    for (const [key, { pattern, rule }] of Object.entries(NAME_RULES) as [keyof typeof NAME_RULES, { pattern: RegExp; rule: string }][]) {
      for (const name of props[key] ?? []) {
        if (!pattern.test(name)) throw new Error(`${key}: ${JSON.stringify(name)} is not ${rule}`);
      }
    }
    const tag = props.reviewFunctionTag;
    if (tag && (!TAG_KEY.test(tag.key) || !TAG_VALUE.test(tag.value))) {
      throw new Error(
        `reviewFunctionTag: ${JSON.stringify(`${tag.key}=${tag.value}`)} is not KEY=VALUE with a Lambda tag key (not aws:) and value`,
      );
    }
    this.props = props;
  }

  /** lambda:InvokeFunction on the allowed review handlers; no statement at all when none are. */
  grantReviewHandlers(fn: ChatFunction): void {
    const { partition, region, account } = this.stack;
    const functionArn = (name: string) => `arn:${partition}:lambda:${region}:${account}:function:${name}`;
    const names = this.props.reviewFunctions ?? [];
    if (names.length > 0) {
      // A room's uri may be a qualified ARN (`function:name:alias`), which IAM matches only with `:*`.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: names.flatMap((n) => [functionArn(n), functionArn(`${n}:*`)]),
        }),
      );
      for (const name of names) {
        acknowledge(
          fn,
          `Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}:*`,
          `the versions and aliases of the review function ${name}, which the deployer listed in reviewFunctions`,
        );
      }
    }
    const tag = this.props.reviewFunctionTag;
    if (tag) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [functionArn('*')],
          conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } },
        }),
      );
      acknowledge(
        fn,
        'Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*',
        `only functions of this account and region tagged ${tag.key}=${tag.value} (aws:ResourceTag condition), as the deployer chose with reviewFunctionTag`,
      );
    }
  }

  /**
   * Writes to the allowed chat-log destinations: S3 objects only under AWS's IVSChatLogs prefix,
   * CloudWatch Logs streams only under the aws/IVSChatLogs names, Firehose PutRecordBatch. Each
   * kind with no names listed gets no statement.
   */
  grantChatLogs(fn: ChatFunction): void {
    const { partition, region, account } = this.stack;
    const { chatLogBuckets: buckets = [], chatLogGroups: groups = [], chatLogStreams: streams = [] } = this.props;
    if (buckets.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject'],
          resources: buckets.map((b) => `arn:${partition}:s3:::${b}/AWSLogs/${account}/IVSChatLogs/*`),
        }),
      );
      for (const bucket of buckets) {
        acknowledge(
          fn,
          `Resource::arn:<AWS::Partition>:s3:::${bucket}/AWSLogs/<AWS::AccountId>/IVSChatLogs/*`,
          `objects of the listed bucket ${bucket}, only under the AWSLogs/<account>/IVSChatLogs/ prefix; keys carry the room and hour, known only at runtime`,
        );
      }
    }
    if (groups.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: groups.map((g) => `arn:${partition}:logs:${region}:${account}:log-group:${g}:log-stream:aws/IVSChatLogs/*`),
        }),
      );
      for (const group of groups) {
        acknowledge(
          fn,
          `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${group}:log-stream:aws/IVSChatLogs/*`,
          `streams of the listed log group ${group}, only those named aws/IVSChatLogs/...; one per room, known only at runtime`,
        );
      }
    }
    if (streams.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['firehose:PutRecordBatch'],
          resources: streams.map((s) => `arn:${partition}:firehose:${region}:${account}:deliverystream/${s}`),
        }),
      );
    }
  }
}

function acknowledge(fn: ChatFunction, finding: string, reason: string): void {
  fn.acknowledge(`AwsSolutions-IAM5[${finding}]`, reason);
}
