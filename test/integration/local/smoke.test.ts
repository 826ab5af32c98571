import { CreateRoomCommand, GetRoomCommand } from '@aws-sdk/client-ivschat';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';

let stack: LocalProcess;
beforeAll(async () => {
  stack = await startLocal();
});
afterAll(async () => {
  await stack.stop();
});

test('a room created through the SDK can be read back', async () => {
  const client = ivschat(stack.apiUrl);
  const created = await client.send(new CreateRoomCommand({ name: 'smoke' }));
  const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
  expect(got.id).toBe(created.id);
  expect(got.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  client.destroy();
});
