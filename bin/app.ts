import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IvsChatStack } from '../lib/ivs-chat-stack';

const app = new App();
new IvsChatStack(app, 'IvsChat', {
  // `npx cdk deploy -c dev=true` makes a stack whose table and keys are deleted with it.
  removalPolicy: ['true', true].includes(app.node.tryGetContext('dev')) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
});
// Every synth is checked against the AWS Solutions rules; each accepted finding is acknowledged,
// with its reason, next to the construct it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
