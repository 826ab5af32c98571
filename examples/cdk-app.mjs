// IVS Chat inside a CDK app of your own: `npx cdk synth --app "node cdk-app.mjs"`. Your project
// installs aws-cdk-lib, constructs and esbuild (the chat's functions are bundled with it at synth).
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { IvsChat } from 'ivschat-selfhosted/cdk';

const app = new App();
const stack = new Stack(app, 'MyProduct');
const chat = new IvsChat(stack, 'Chat', { historyHours: 72, removalPolicy: RemovalPolicy.DESTROY });

// The URLs your backend and clients use; `chat.table` and `chat.functions` are there for the rest of your app.
new CfnOutput(stack, 'ChatControlPlaneUrl', { value: chat.controlPlaneUrl });
new CfnOutput(stack, 'ChatMessagingUrl', { value: chat.messagingUrl });
app.synth();
