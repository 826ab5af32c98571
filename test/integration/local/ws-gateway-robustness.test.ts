import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { connectionRecords, createRoom, mintToken, rawClient, sleep, waitFor } from '../../helpers/chat';
import { ivschat, useLocalStack } from '../../helpers/local-stack';

const { stack } = useLocalStack({}, { spawn: true });

/** Writes raw bytes to the WebSocket port and returns what the server answered (or '' on a reset). */
function rawExchange(bytes: string, opts: { closeAfterWrite?: boolean } = {}): Promise<string> {
  const url = new URL(stack.wsUrl);
  return new Promise((resolve) => {
    let answer = '';
    const socket = tcpConnect(Number(url.port), url.hostname, () => {
      socket.write(bytes);
      if (opts.closeAfterWrite) socket.destroy();
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    setTimeout(() => socket.destroy(), 1_500);
  });
}

const upgrade = (token: string, version = '13') =>
  `GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: ${version}\r\nSec-WebSocket-Protocol: ${token}\r\n\r\n`;

test('a client that hangs up during the handshake leaves no connection record', async () => {
  const client = ivschat(stack.apiUrl);
  const room = await createRoom(client);
  const { token } = await mintToken(client, room.arn, { userId: 'hangs-up' });
  await rawExchange(upgrade(token as string), { closeAfterWrite: true });
  await waitFor('the record to be gone', async () => {
    const left = (await connectionRecords(stack.dynamodbEndpoint)).filter((r) => r.userId === 'hangs-up');
    return left.length === 0 ? true : undefined;
  });
  client.destroy();
});

test('a handshake the WebSocket layer would refuse gets 400 before $connect, and spends no token', async () => {
  const client = ivschat(stack.apiUrl);
  const room = await createRoom(client);
  const { token } = await mintToken(client, room.arn, { userId: 'bad-version' });
  expect(await rawExchange(upgrade(token as string, '7'))).toMatch(/^HTTP\/1\.1 400 /);
  expect((await connectionRecords(stack.dynamodbEndpoint)).filter((r) => r.userId === 'bad-version')).toEqual([]);
  // The token was not claimed by the refused attempt: it still opens a connection.
  const socket = await rawClient(stack.wsUrl, token as string);
  expect(socket.socket.protocol).toBe(token);
  client.destroy();
});

test('a caller that drops a @connections request mid-body does not take the server down', async () => {
  const url = new URL(stack.connectionsEndpoint);
  await rawExchange(`POST ${url.pathname}/@connections/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc`, {
    closeAfterWrite: true,
  });
  await rawExchange(`POST ${url.pathname}/@connections/%E0 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
  await sleep(100);
  const client = ivschat(stack.apiUrl);
  const room = await createRoom(client);
  const { token } = await mintToken(client, room.arn, { userId: 'still-served' });
  const socket = await rawClient(stack.wsUrl, token as string);
  expect(socket.socket.readyState).toBe(socket.socket.OPEN);
  expect(stack.process.exitCode).toBeNull();
  client.destroy();
});
