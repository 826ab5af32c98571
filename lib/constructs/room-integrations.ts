import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ChatFunction } from './chat-function';

/**
 * Where rooms may point: the Lambda functions of their message review handlers and the
 * destinations of their logging configurations. Rooms name them at runtime, so by default the
 * grants cover this account and region, each narrowed as far as the names AWS uses allow; a
 * deployment that knows its functions and destinations lists them (context `reviewFunctions`,
 * `chatLogBuckets`, `chatLogGroups`, `chatLogStreams`) and the grants name only those.
 */
export interface RoomIntegrationsProps {
  reviewFunctions?: string[];
  chatLogBuckets?: string[];
  chatLogGroups?: string[];
  chatLogStreams?: string[];
}

export class RoomIntegrations {
  constructor(
    private readonly stack: Stack,
    private readonly props: RoomIntegrationsProps = {},
  ) {}

  /** lambda:InvokeFunction on the review handlers. */
  grantReviewHandlers(fn: ChatFunction): void {
    const { partition, region, account } = this.stack;
    const names = this.props.reviewFunctions ?? ['*'];
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: names.map((name) => `arn:${partition}:lambda:${region}:${account}:function:${name}`),
      }),
    );
    if (!this.props.reviewFunctions) {
      acknowledge(fn, `Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*`,
        "rooms name their review handler at runtime (any function of this account and region, as AWS allows); set context reviewFunctions to narrow it");
    }
  }

  /**
   * Writes to chat-log destinations: S3 objects only under AWS's IVSChatLogs prefix, CloudWatch
   * Logs streams only under the aws/IVSChatLogs names, Firehose PutRecordBatch.
   */
  grantChatLogs(fn: ChatFunction): void {
    const { partition, region, account } = this.stack;
    const buckets = this.props.chatLogBuckets ?? ['*'];
    const groups = this.props.chatLogGroups ?? ['*'];
    const streams = this.props.chatLogStreams ?? ['*'];
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: buckets.map((bucket) => `arn:${partition}:s3:::${bucket}/AWSLogs/${account}/IVSChatLogs/*`),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: groups.map((group) => `arn:${partition}:logs:${region}:${account}:log-group:${group}:log-stream:aws/IVSChatLogs/*`),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['firehose:PutRecordBatch'],
        resources: streams.map((stream) => `arn:${partition}:firehose:${region}:${account}:deliverystream/${stream}`),
      }),
    );
    const why = 'logging configurations name their destination at runtime; set context chatLogBuckets / chatLogGroups / chatLogStreams to narrow it';
    if (!this.props.chatLogBuckets) acknowledge(fn, `Resource::arn:<AWS::Partition>:s3:::*/AWSLogs/<AWS::AccountId>/IVSChatLogs/*`, why);
    if (!this.props.chatLogGroups) {
      acknowledge(fn, `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*:log-stream:aws/IVSChatLogs/*`, why);
    }
    if (!this.props.chatLogStreams) acknowledge(fn, `Resource::arn:<AWS::Partition>:firehose:<AWS::Region>:<AWS::AccountId>:deliverystream/*`, why);
  }
}

function acknowledge(fn: ChatFunction, finding: string, reason: string): void {
  Validations.of(fn).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}
