import { CreateRoomCommand, GetRoomCommand } from '@aws-sdk/client-ivschat';
import { executeApiIvschatClient } from '../../../lib/client/execute-api';
import { useLocalStack } from '../../helpers/local-stack';

const { stack } = useLocalStack();

test('the shipped execute-api client signs for execute-api, and the gateway accepts it', async () => {
  const client = executeApiIvschatClient({
    endpoint: stack.apiUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const scopes: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const auth = (args.request as { headers: Record<string, string> }).headers.authorization ?? '';
      scopes.push(/Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth)?.slice(1).join('/') ?? '');
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordScope' },
  );
  const room = await client.send(new CreateRoomCommand({ name: 'signed-as-execute-api' }));
  expect((await client.send(new GetRoomCommand({ identifier: room.arn }))).name).toBe('signed-as-execute-api');
  expect(scopes).toEqual(['us-east-1/execute-api', 'us-east-1/execute-api']);
  client.destroy();
});
