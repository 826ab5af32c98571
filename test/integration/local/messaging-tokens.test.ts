import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CompactEncrypt, decodeProtectedHeader } from 'jose';
import { SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { CreateChatTokenCommand, DeleteRoomCommand, IvschatClient, ValidationException } from '@aws-sdk/client-ivschat';
import { chatClient, closeAllClients, createRoom, mintToken, rawClient, refusedStatus, sleep } from '../../helpers/chat';
import { InProcessStack, ivschat, startInProcess, useLocalStack } from '../../helpers/local-stack';

/** RFC 7230 `token` characters: what a WebSocket subprotocol may hold. */
const SUBPROTOCOL_SAFE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const { stack, client } = useLocalStack();
let room: { arn: string; id: string };
beforeAll(async () => {
  room = await createRoom(client);
});

describe('CreateChatToken', () => {
  test('mints a subprotocol-safe token, valid for a minute, with the session measured from now', async () => {
    const before = Date.now();
    const out = await mintToken(client, room.arn, {
      userId: 'u1',
      capabilities: ['SEND_MESSAGE'],
      sessionDurationInMinutes: 180,
      attributes: { displayName: 'Ann' },
    });
    const after = Date.now();
    expect(out.token).toMatch(SUBPROTOCOL_SAFE);
    expect(out.tokenExpirationTime).toBeInstanceOf(Date);
    const tokenExpires = out.tokenExpirationTime!.getTime();
    const sessionExpires = out.sessionExpirationTime!.getTime();
    expect(tokenExpires).toBeGreaterThanOrEqual(before + 60_000 - 1_000);
    expect(tokenExpires).toBeLessThanOrEqual(after + 60_000 + 1_000);
    expect(sessionExpires).toBeGreaterThanOrEqual(before + 180 * 60_000 - 1_000);
    expect(sessionExpires).toBeLessThanOrEqual(after + 180 * 60_000 + 1_000);
  });

  test('the response carries RFC 3339 strings; the session defaults to 60 minutes', async () => {
    const res = await fetchRaw('/CreateChatToken', { roomIdentifier: room.arn, userId: 'u2' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; tokenExpirationTime: string; sessionExpirationTime: string };
    expect(Object.keys(body).sort()).toEqual(['sessionExpirationTime', 'token', 'tokenExpirationTime']);
    expect(body.tokenExpirationTime).toMatch(RFC3339);
    expect(body.sessionExpirationTime).toMatch(RFC3339);
    const minutes = (Date.parse(body.sessionExpirationTime) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59.9);
    expect(minutes).toBeLessThanOrEqual(60);
  });

  test('every token is different, even for the same request', async () => {
    const tokens = await Promise.all([1, 2, 3].map(() => mintToken(client, room.arn, { userId: 'same' })));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(3);
  });

  test.each([
    ['sessionDurationInMinutes 0', { sessionDurationInMinutes: 0 }, 'sessionDurationInMinutes'],
    ['sessionDurationInMinutes 181', { sessionDurationInMinutes: 181 }, 'sessionDurationInMinutes'],
    ['an unknown capability', { capabilities: ['FOO'] }, 'capabilities'],
    ['an empty userId', { userId: '' }, 'userId'],
    ['a userId of 129 characters', { userId: 'u'.repeat(129) }, 'userId'],
    ['attributes over 1 KB', { attributes: { a: 'x'.repeat(1024) } }, 'attributes'],
  ])('refuses %s with ValidationException', async (_label, change, field) => {
    const err = await client
      .send(new CreateChatTokenCommand({ roomIdentifier: room.arn, userId: 'u', ...(change as object) }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
    // The field itself, or an element of it (capabilities[0]).
    expect((err as ValidationException).fieldList?.map((f) => f.name)).toEqual([
      expect.stringMatching(new RegExp(`^${field}(\\[\\d+\\])?$`)),
    ]);
  });

  test('accepts the boundaries: 1 and 180 minutes, a 128-character userId, attributes of exactly 1 KB', async () => {
    await expect(mintToken(client, room.arn, { userId: 'u', sessionDurationInMinutes: 1 })).resolves.toHaveProperty('token');
    await expect(mintToken(client, room.arn, { userId: 'u', sessionDurationInMinutes: 180 })).resolves.toHaveProperty('token');
    await expect(mintToken(client, room.arn, { userId: 'u'.repeat(128) })).resolves.toHaveProperty('token');
    await expect(mintToken(client, room.arn, { userId: 'u', attributes: { a: 'x'.repeat(1023) } })).resolves.toHaveProperty('token');
  });

  test('refuses a bare room id (not an ARN)', async () => {
    await expect(client.send(new CreateChatTokenCommand({ roomIdentifier: room.id, userId: 'u' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
  });
});

describe('connecting with a token', () => {
  test('the token is echoed as the selected subprotocol', async () => {
    const { token } = await mintToken(client, room.arn, { userId: 'echo' });
    const raw = await rawClient(stack.wsUrl, token!);
    expect(raw.socket.protocol).toBe(token);
    raw.socket.close();
    await raw.closed;
  });

  test('a token is single-use: a second connect with it is refused with 401, while the first stays open', async () => {
    const { token } = await mintToken(client, room.arn, { userId: 'once', capabilities: ['SEND_MESSAGE'] });
    const first = await rawClient(stack.wsUrl, token!);
    expect(await refusedStatus(stack.wsUrl, token!)).toBe(401);
    first.send({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'still here' });
    expect(await first.next((f) => f.Type === 'MESSAGE')).toMatchObject({ RequestId: 'r-1', Content: 'still here' });
    first.socket.close();
    await first.closed;
    // Still refused once the first connection is gone.
    expect(await refusedStatus(stack.wsUrl, token!)).toBe(401);
  });

  test('two clients racing with one token: exactly one gets in', async () => {
    const { token } = await mintToken(client, room.arn, { userId: 'race' });
    const attempts = await Promise.allSettled([1, 2, 3, 4].map(() => rawClient(stack.wsUrl, token!)));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  });

  test('garbage, missing and altered tokens are refused with 401', async () => {
    expect(await refusedStatus(stack.wsUrl)).toBe(401);
    expect(await refusedStatus(stack.wsUrl, 'garbage')).toBe(401);
    expect(await refusedStatus(stack.wsUrl, 'a.b.c.d.e')).toBe(401);
    const { token } = await mintToken(client, room.arn, { userId: 'alter' });
    const parts = token!.split('.');
    expect(parts).toHaveLength(5);
    const ciphertext = parts[3]!;
    const flipped = ciphertext[5] === 'A' ? 'B' : 'A';
    const altered = [...parts.slice(0, 3), ciphertext.slice(0, 5) + flipped + ciphertext.slice(6), parts[4]].join('.');
    expect(await refusedStatus(stack.wsUrl, altered)).toBe(401);
    // The unaltered token still works: the refusal was about the change.
    const raw = await rawClient(stack.wsUrl, token!);
    raw.socket.close();
    await raw.closed;
  });

  test('a token sealed with another key under the same key id, or an unknown key id, is refused with 401', async () => {
    const { token } = await mintToken(client, room.arn, { userId: 'real' });
    const { kid } = decodeProtectedHeader(token!);
    const claims = {
      j: 'forged0000000000',
      r: room.arn,
      u: 'mallory',
      c: ['SEND_MESSAGE'],
      a: {},
      t: Date.now() + 60_000,
      s: Date.now() + 3_600_000,
    };
    const seal = (keyId: string | undefined) =>
      new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...(keyId ? { kid: keyId } : {}) })
        .encrypt(new Uint8Array(randomBytes(32)));
    expect(await refusedStatus(stack.wsUrl, await seal(kid))).toBe(401);
    expect(await refusedStatus(stack.wsUrl, await seal('nokey'))).toBe(401);
    expect(await refusedStatus(stack.wsUrl, await seal(undefined))).toBe(401);
  });

  test('a token for a room deleted since it was minted is refused with 404', async () => {
    const doomed = await createRoom(client);
    const { token } = await mintToken(client, doomed.arn, { userId: 'late' });
    await client.send(new DeleteRoomCommand({ identifier: doomed.arn }));
    expect(await refusedStatus(stack.wsUrl, token!)).toBe(404);
  });

  test('a ChatRoom whose tokens are refused retries with fresh tokens, then disconnects with socketError', async () => {
    const chat = await chatClient({
      wsUrl: stack.wsUrl,
      client,
      roomArn: room.arn,
      token: { userId: 'bad' },
      maxReconnectAttempts: 2,
      provider: async () => ({ token: 'not-a-token' }),
      connect: false,
    });
    chat.room.connect();
    await expect(chat.disconnected).resolves.toBe('socketError');
    expect(chat.tokenCalls).toBe(3);
    expect(chat.connects).toBe(0);
  });

  test('a ChatRoom given a used token gets a fresh one on retry and connects', async () => {
    const { token } = await mintToken(client, room.arn, { userId: 'reuse' });
    const holder = await rawClient(stack.wsUrl, token!);
    let calls = 0;
    const chat = await chatClient({
      wsUrl: stack.wsUrl,
      client,
      roomArn: room.arn,
      token: { userId: 'reuse', capabilities: ['SEND_MESSAGE'] },
      provider: async () => {
        calls += 1;
        if (calls === 1) return { token: token! };
        const fresh = await mintToken(client, room.arn, { userId: 'reuse', capabilities: ['SEND_MESSAGE'] });
        return { token: fresh.token!, tokenExpirationTime: fresh.tokenExpirationTime };
      },
    });
    expect(chat.tokenCalls).toBe(2);
    await expect(chat.room.sendMessage(new SendMessageRequest('in'))).resolves.toMatchObject({ content: 'in' });
    holder.socket.close();
  });
});

describe('token expiry (IVSCHAT_TOKEN_LIFETIME_MS=1000, the shortest allowed)', () => {
  let shortStack: InProcessStack;
  let shortClient: IvschatClient;
  let shortRoom: { arn: string };
  beforeAll(async () => {
    shortStack = await startInProcess({ IVSCHAT_TOKEN_LIFETIME_MS: '1000' });
    shortClient = ivschat(shortStack.apiUrl);
    shortRoom = await createRoom(shortClient);
  });
  afterAll(async () => {
    await closeAllClients();
    shortClient.destroy();
    await shortStack.stop();
  });

  test('tokenExpirationTime reports the shortened lifetime', async () => {
    const before = Date.now();
    const out = await mintToken(shortClient, shortRoom.arn, { userId: 'u' });
    // A second from now, give or take the timestamp's whole seconds; not the default minute.
    expect(out.tokenExpirationTime!.getTime()).toBeGreaterThanOrEqual(before);
    expect(out.tokenExpirationTime!.getTime()).toBeLessThanOrEqual(Date.now() + 2_000);
  });

  test('a token used within its lifetime connects; one used after it is refused with 401', async () => {
    const fresh = await mintToken(shortClient, shortRoom.arn, { userId: 'quick' });
    const raw = await rawClient(shortStack.wsUrl, fresh.token!);
    expect(raw.socket.protocol).toBe(fresh.token);
    raw.socket.close();

    const stale = await mintToken(shortClient, shortRoom.arn, { userId: 'slow' });
    await sleep(1_300);
    expect(await refusedStatus(shortStack.wsUrl, stale.token!)).toBe(401);
  });

  test('a ChatRoom that only has an expired token cannot connect', async () => {
    const stale = await mintToken(shortClient, shortRoom.arn, { userId: 'slow' });
    await sleep(1_300);
    const chat = await chatClient({
      wsUrl: shortStack.wsUrl,
      client: shortClient,
      roomArn: shortRoom.arn,
      token: { userId: 'slow' },
      maxReconnectAttempts: 1,
      provider: async () => ({ token: stale.token! }),
      connect: false,
    });
    chat.room.connect();
    await expect(chat.disconnected).resolves.toBe('socketError');
    expect(chat.connects).toBe(0);
  });
});

/** A signed call made by hand, to see the JSON the SDK would otherwise parse away. */
async function fetchRaw(path: string, body: unknown): Promise<Response> {
  const url = new URL(path, stack.apiUrl);
  const signer = new SignatureV4({
    service: 'ivschat',
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    sha256: Sha256,
  });
  const text = JSON.stringify(body);
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  return fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: text });
}
