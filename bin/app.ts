import { App, RemovalPolicy } from 'aws-cdk-lib';
import { IvsChatStack } from '../lib/ivs-chat-stack';

const app = new App();
new IvsChatStack(app, 'IvsChat', {
  // `npx cdk deploy -c dev=true` makes a stack whose table is deleted with it.
  removalPolicy: app.node.tryGetContext('dev') === 'true' || app.node.tryGetContext('dev') === true ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
});
