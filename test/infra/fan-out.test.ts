import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/shared/env';
import { IvsChatStack, stackPropsFromContext } from '../../lib/ivs-chat-stack';
import { NEEDS } from '../../lib/permissions';

/**
 * Big rooms' fan-out and the alarms, as synthesized (bundling skipped: ivs-chat-stack.test.ts
 * bundles and loads the handlers, the worker's included): the shard queue, its worker and mapping,
 * who may send to it and who may read it, its dead-letter queue, the metrics and the alarms.
 */
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'ivschat-fan-out-')), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new IvsChatStack(app, 'FanOut', stackPropsFromContext(app.node));
  const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  const logicalId = (construct: unknown) =>
    Stack.of(stack).getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);
  return { stack, resources, logicalId };
}

const byType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const { stack, resources, logicalId } = synth();
const queueId = logicalId(stack.chat.shards.queue);
const deadLettersId = logicalId(stack.chat.shards.deadLetters);
const workerId = logicalId(stack.functions['messaging/deliver-shard']);

/** The statements of the policies on a function's role. */
function statementsOf(module: string, from = resources, id = logicalId(stack.functions[module])): Statement[] {
  const role = (from[id]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return byType(from, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const sqsStatements = (module: string) => statementsOf(module).filter((s) => [s.Action].flat().some((a) => a.startsWith('sqs:')));
const variables = (id: string) => (resources[id]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('the shard queue', () => {
  test('is FIFO in high-throughput mode, encrypted, TLS only, with a FIFO dead-letter queue after 3 receives', () => {
    expect(byType(resources, 'AWS::SQS::Queue')).toHaveLength(2);
    const queue = resources[queueId]?.Properties;
    expect(queue).toMatchObject({
      FifoQueue: true,
      FifoThroughputLimit: 'perMessageGroupId',
      DeduplicationScope: 'messageGroup',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: 3 },
    });
    // Longer than the worker may run, so a shard is not handed out twice while it is worked.
    const workerTimeout = resources[workerId]?.Properties.Timeout as number;
    expect(queue?.VisibilityTimeout as number).toBeGreaterThan(workerTimeout);
    expect(queue?.MessageRetentionPeriod as number).toBeLessThanOrEqual(3_600);
    expect(resources[deadLettersId]?.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
    for (const id of [queueId, deadLettersId]) {
      const [[, policy]] = byType(resources, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
        JSON.stringify(p.Properties.Queues).includes(`"${id}"`),
      ) as [[string, Resource]];
      expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  test('feeds the worker through an event source mapping of FIFO batches that reports partial failures', () => {
    const mappings = byType(resources, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.[1].Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: workerId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('only the broadcasting functions may send to it, SendMessage on this queue only, with its URL and the threshold', () => {
    const senders = Object.entries(NEEDS)
      .filter(([, needs]) => needs.shardQueue === 'send')
      .map(([module]) => module);
    expect(senders.sort()).toEqual(
      [
        'control-plane/ban-user',
        'control-plane/delete-message',
        'control-plane/disconnect-user',
        'control-plane/send-event',
        'messaging/default',
      ].sort(),
    );
    for (const module of Object.keys(NEEDS)) {
      const id = logicalId(stack.functions[module]);
      if (senders.includes(module)) {
        expect(sqsStatements(module)).toEqual([
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        ]);
        expect(variables(id)).toMatchObject({ [ENV.shardQueueUrl]: { Ref: queueId }, [ENV.shardThreshold]: '2000' });
      } else if (module !== 'messaging/deliver-shard') {
        expect(sqsStatements(module)).toEqual([]);
        expect(Object.keys(variables(id))).not.toContain(ENV.shardQueueUrl);
      }
    }
  });

  test('the worker only receives and deletes (no SendMessage), and may post to connections and delete their records', () => {
    expect(sqsStatements('messaging/deliver-shard')).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
    const actions = statementsOf('messaging/deliver-shard').flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'dynamodb:DeleteItem',
        'execute-api:ManageConnections',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    expect(Object.keys(variables(workerId))).toContain(ENV.connectionsEndpoint);
  });

  test('the threshold comes from -c shardThreshold=, within 100..5,000', () => {
    const raised = synth({ shardThreshold: '5000' });
    const id = raised.logicalId(raised.stack.functions['messaging/default']);
    expect((raised.resources[id]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.shardThreshold]).toBe(
      '5000',
    );
    for (const bad of ['99', '5001', 'lots', '1500.5']) expect(() => synth({ shardThreshold: bad })).toThrow(/shardThreshold/);
  });
});

describe('metrics and alarms', () => {
  const alarms = byType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const namespace = 'IvsChat/FanOut';

  test("every function writes its metrics to the stack's namespace", () => {
    for (const [, fn] of byType(resources, 'AWS::Lambda::Function')) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.metricsNamespace]).toBe(namespace);
    }
  });

  test('dropped deliveries alarm on the first one, from the EMF metric the fan-out writes', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: namespace,
        MetricName: 'Dropped',
        Dimensions: [{ Name: 'service', Value: 'ivschat' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  test("every function's errors alarm", () => {
    const functions = byType(resources, 'AWS::Lambda::Function').map(([id]) => id);
    const alarmed = alarms
      .filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors')
      .map((a) => (a.Dimensions as { Name: string; Value: { Ref: string } }[])[0]?.Value.Ref);
    expect(alarmed.sort()).toEqual(functions.sort());
  });

  test('shards in the dead-letter queue alarm, and so does a backlog', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLettersId, 'QueueName'] } }],
        Threshold: 1,
      }),
    );
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      }),
    );
  });

  test('no alarm notifies anyone by default; with -c alarmTopicArn= every one notifies that topic, firing and clearing', () => {
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined();
    const topic = 'arn:aws:sns:us-east-1:123456789012:chat-alarms';
    const notified = byType(synth({ alarmTopicArn: topic }).resources, 'AWS::CloudWatch::Alarm');
    expect(notified).toHaveLength(alarms.length);
    for (const [, alarm] of notified) expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
  });
});
