import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IvsChat } from '../../lib/ivs-chat';
import { IvsChatStack } from '../../lib/ivs-chat-stack';
import { SYNTHESIZED_STACK, TemplateJson, synthesized } from '../helpers/synthesized';
import { unbundledApp } from '../helpers/unbundled-app';

/**
 * The IvsChat construct in a stack of the user's own, and today's stack as a thin user of it.
 * Bundling is skipped: ivs-chat-stack.test.ts bundles and loads the handlers.
 */
type Resources = Record<string, { Type: string }>;
// Without the CLI's own version-reporting resource (AWS::CDK::Metadata), which only `cdk synth` adds.
const typeCounts = (resources: Resources) =>
  Object.values(resources)
    .filter(({ Type }) => Type !== 'AWS::CDK::Metadata')
    .reduce<Record<string, number>>((counts, { Type }) => ({ ...counts, [Type]: (counts[Type] ?? 0) + 1 }), {});

const ownApp = unbundledApp();
const own = new Stack(ownApp, 'UsersOwnStack');
const chat = new IvsChat(own, 'Chat', { historyHours: 12 });
new CfnOutput(own, 'ChatUrl', { value: chat.controlPlaneUrl });
const ownTemplate = Template.fromStack(own).toJSON() as { Resources: Resources };

// IvsChatStack's template is the run's `cdk synth` (test/infra/synth-once.ts); its tree, for the functions.
const ours = new IvsChatStack(unbundledApp(), SYNTHESIZED_STACK);
let oursTemplate: TemplateJson;
beforeAll(async () => {
  oursTemplate = (await synthesized()).template;
}, 300_000);

test('in a stack of its own, the construct creates the same resources as IvsChatStack', () => {
  expect(typeCounts(ownTemplate.Resources)).toEqual(typeCounts(oursTemplate.Resources));
  expect(Object.keys(chat.functions)).toEqual(Object.keys(ours.functions));
});

test('it exposes its URLs, table and functions to the stack that holds it', () => {
  const url = JSON.stringify(own.resolve(chat.controlPlaneUrl));
  expect(url).toContain('execute-api');
  expect(url).not.toMatch(/\/"\]\]\}$/); // no trailing slash: the SDK would call /prod//CreateRoom
  expect(JSON.stringify(own.resolve(chat.messagingUrl))).toContain('wss://');
  expect(chat.table.table.tableName).toBeDefined();
  expect(chat.functions['messaging/default']).toBeDefined();
  // Outputs are the holder's choice: the construct adds none of IvsChatStack's.
  const outputs = Object.keys((Template.fromStack(own).toJSON() as { Outputs: object }).Outputs);
  expect(outputs).toContain('ChatUrl');
  expect(outputs).not.toEqual(expect.arrayContaining(['ControlPlaneUrl']));
});

test("IvsChatStack keeps the logical ids its resources had as the stack's own children, so deployments update in place", () => {
  const ids = Object.keys(oursTemplate.Resources);
  // The stateful resources: a changed id would replace the table (its rooms) and the token keys.
  expect(ids).toContain('DataTableFDBAD0F2');
  expect(ids).toContain('TokenKeysSecret4E045AC4');
  expect(ids).toContain('ControlPlaneApi03986FD5');
  expect(ids).toContain('MessagingApiDB6F1022');
  expect(Object.keys(oursTemplate.Outputs)).toEqual(expect.arrayContaining(['ControlPlaneUrl', 'MessagingUrl', 'TableName']));
});
