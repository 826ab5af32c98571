import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IvsChatStack } from '../lib/ivs-chat-stack';

const app = new App();
const list = (value: unknown): string[] | undefined =>
  typeof value === 'string' && value.trim() ? value.split(',').map((v) => v.trim()) : Array.isArray(value) ? value.map(String) : undefined;
new IvsChatStack(app, 'IvsChat', {
  // `npx cdk deploy -c dev=true` makes a stack whose table and keys are deleted with it.
  removalPolicy: ['true', true].includes(app.node.tryGetContext('dev')) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  // Optional, comma-separated: `-c reviewFunctions=profanity,spam -c chatLogBuckets=my-chat-logs`.
  roomIntegrations: {
    reviewFunctions: list(app.node.tryGetContext('reviewFunctions')),
    chatLogBuckets: list(app.node.tryGetContext('chatLogBuckets')),
    chatLogGroups: list(app.node.tryGetContext('chatLogGroups')),
    chatLogStreams: list(app.node.tryGetContext('chatLogStreams')),
  },
});
// Every synth is checked against the AWS Solutions rules; each accepted finding is acknowledged,
// with its reason, next to the construct it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
