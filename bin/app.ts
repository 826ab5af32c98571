import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IvsChatStack, stackPropsFromContext } from '../lib/ivs-chat-stack';

const app = new App();
// Options come from context, e.g. `npx cdk deploy -c dev=true -c reviewFunctions=profanity`
// (the keys: stackPropsFromContext in lib/ivs-chat-stack.ts, and the README).
new IvsChatStack(app, 'IvsChat', stackPropsFromContext(app.node));
// Every synth is checked against the AWS Solutions rules; each accepted finding is acknowledged,
// with its reason, next to the construct it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
