import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllClients, createRoom, mintToken, rawClient, refusedStatus } from '../../helpers/chat';
import { ivschat, startLocal } from '../../helpers/local-stack';

afterAll(closeAllClients);

test('with a data dir, the token keys are kept there: a token minted before a restart connects after it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ivschat-keys-'));
  const first = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
  const client = ivschat(first.apiUrl);
  const room = await createRoom(client);
  const { token } = await mintToken(client, room.arn, { userId: 'across-restart', capabilities: ['SEND_MESSAGE'] });
  client.destroy();
  expect(await first.stop()).toBe(0);

  const keyFile = join(dataDir, 'token-keys.json');
  expect(existsSync(keyFile)).toBe(true);
  expect(statSync(keyFile).mode & 0o077).toBe(0);
  const keys = readFileSync(keyFile, 'utf8');

  const second = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
  try {
    const socket = await rawClient(second.wsUrl, token as string);
    socket.send({ Action: 'SEND_MESSAGE', RequestId: 'after-restart', Content: 'still here' });
    const echoed = await socket.next((f) => f.Type === 'MESSAGE');
    expect(echoed).toMatchObject({ RequestId: 'after-restart', Content: 'still here', Sender: { UserId: 'across-restart' } });
    expect(readFileSync(keyFile, 'utf8')).toBe(keys);
  } finally {
    await second.stop();
  }
});

test('in memory, keys live as long as the process: a token from another run is refused', async () => {
  const first = await startLocal();
  const client = ivschat(first.apiUrl);
  const room = await createRoom(client);
  const { token } = await mintToken(client, room.arn, { userId: 'memory' });
  client.destroy();
  await first.stop();
  const second = await startLocal();
  try {
    expect(await refusedStatus(second.wsUrl, token as string)).toBe(401);
  } finally {
    await second.stop();
  }
});
