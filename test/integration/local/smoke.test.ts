import { CreateRoomCommand, GetRoomCommand } from '@aws-sdk/client-ivschat';
import { ivschat, useLocalStack } from '../../helpers/local-stack';

const { stack } = useLocalStack();

test('a room created through the SDK can be read back', async () => {
  const client = ivschat(stack.apiUrl);
  const created = await client.send(new CreateRoomCommand({ name: 'smoke' }));
  const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
  expect(got.id).toBe(created.id);
  expect(got.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  client.destroy();
});
