import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import type {
  ChatError,
  ChatEvent,
  ChatLogger,
  ChatMessage,
  DeleteMessageEvent,
  DisconnectReason,
  DisconnectUserEvent,
} from 'amazon-ivs-chat-messaging';
import {
  CreateChatTokenCommand,
  CreateChatTokenCommandOutput,
  CreateRoomCommand,
  CreateRoomCommandInput,
  IvschatClient,
} from '@aws-sdk/client-ivschat';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';

// Node 20 has no global WebSocket; the official messaging client expects one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export type Capability = 'SEND_MESSAGE' | 'DELETE_MESSAGE' | 'DISCONNECT_USER';
export const ALL_CAPABILITIES: Capability[] = ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'];

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something truthy; fails with `label` after `timeoutMs`. */
export async function waitFor<T>(label: string, check: () => T | Promise<T>, timeoutMs = 3_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await sleep(10);
  }
}

export async function createRoom(client: IvschatClient, input: CreateRoomCommandInput = {}): Promise<{ arn: string; id: string }> {
  const room = await client.send(new CreateRoomCommand(input));
  return { arn: room.arn as string, id: room.id as string };
}

export interface TokenRequest {
  userId: string;
  capabilities?: Capability[];
  attributes?: Record<string, string>;
  sessionDurationInMinutes?: number;
}

export const mintToken = (client: IvschatClient, roomArn: string, request: TokenRequest): Promise<CreateChatTokenCommandOutput> =>
  client.send(new CreateChatTokenCommand({ roomIdentifier: roomArn, ...request }));

const silent: ChatLogger = { debug: () => undefined, info: () => undefined, error: () => undefined };

/** A ChatRoom of the official client with everything it emits recorded. */
export interface ChatClient {
  room: ChatRoom;
  userId: string;
  messages: ChatMessage[];
  events: ChatEvent[];
  deletes: DeleteMessageEvent[];
  userDisconnects: DisconnectUserEvent[];
  disconnects: DisconnectReason[];
  connects: number;
  /** How often the client asked for a token. */
  tokenCalls: number;
  /** Resolves with the reason of the first 'disconnect' event. */
  disconnected: Promise<DisconnectReason>;
}

const openClients = new Set<ChatRoom>();
const openSockets = new Set<WebSocket>();

/**
 * A ChatRoom whose tokenProvider calls CreateChatToken through the SDK (or `provider` when given),
 * logging silenced. With `connect` (the default) it resolves once the room is connected.
 */
export async function chatClient(options: {
  wsUrl: string;
  client: IvschatClient;
  roomArn: string;
  token: TokenRequest;
  maxReconnectAttempts?: number;
  provider?: () => Promise<{ token: string; tokenExpirationTime?: Date | string; sessionExpirationTime?: Date | string }>;
  connect?: boolean;
}): Promise<ChatClient> {
  let resolveDisconnected: (reason: DisconnectReason) => void = () => undefined;
  const room = new ChatRoom({
    regionOrUrl: options.wsUrl,
    maxReconnectAttempts: options.maxReconnectAttempts ?? 3,
    tokenProvider: async () => {
      chat.tokenCalls += 1;
      if (options.provider) return options.provider();
      const out = await mintToken(options.client, options.roomArn, options.token);
      return { token: out.token as string, tokenExpirationTime: out.tokenExpirationTime, sessionExpirationTime: out.sessionExpirationTime };
    },
  });
  const chat: ChatClient = {
    room,
    userId: options.token.userId,
    messages: [],
    events: [],
    deletes: [],
    userDisconnects: [],
    disconnects: [],
    connects: 0,
    tokenCalls: 0,
    disconnected: new Promise((resolve) => (resolveDisconnected = resolve)),
  };
  room.logger = silent;
  room.logLevel = 'error';
  room.addListener('message', (m) => chat.messages.push(m));
  room.addListener('event', (e) => chat.events.push(e));
  room.addListener('messageDelete', (e) => chat.deletes.push(e));
  room.addListener('userDisconnect', (e) => chat.userDisconnects.push(e));
  room.addListener('connect', () => (chat.connects += 1));
  room.addListener('disconnect', (reason) => {
    chat.disconnects.push(reason);
    resolveDisconnected(reason);
  });
  openClients.add(room);
  if (options.connect === false) return chat;
  const connected = new Promise<void>((resolve, reject) => {
    const offConnect = room.addListener('connect', () => {
      offConnect();
      resolve();
    });
    void chat.disconnected.then((reason) => reject(new Error(`${chat.userId} could not connect: ${reason}`)));
  });
  room.connect();
  await connected;
  return chat;
}

/** Sends a message in `room` from `from` and waits until every client in `to` has it: a marker that orders what came before. */
export async function marker(from: ChatClient, to: ChatClient[], content = `marker-${Math.random()}`) {
  const sent = await from.room.sendMessage(new SendMessageRequest(content));
  for (const c of to) await waitFor(`${c.userId} to get ${content}`, () => c.messages.some((m) => m.id === sent.id));
  return sent;
}

/** The ChatError a promise rejected with (fails the test if it resolved). */
export async function refusal(promise: Promise<unknown>): Promise<ChatError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.resolved)}`);
  return outcome.error as ChatError;
}

/** A plain `ws` client that records every frame it gets (parsed JSON) and how it closed. */
export interface RawClient {
  socket: WebSocket;
  /** Every text frame received, as sent. */
  texts: string[];
  /** The frames that parsed as JSON objects. */
  frames: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** Waits for the first frame (after `from` frames) that `match` accepts. */
  next(match: (frame: Record<string, unknown>) => boolean, from?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Opens a raw socket with `token` as the subprotocol; rejects if the handshake is refused. */
export function rawClient(wsUrl: string, token: string): Promise<RawClient> {
  const socket = new WebSocket(wsUrl, token);
  openSockets.add(socket);
  const texts: string[] = [];
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    texts.push(text);
    try {
      frames.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not JSON: kept in texts only (the @connections API may post anything)
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const client: RawClient = {
    socket,
    texts,
    frames,
    closed,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: (match, from = 0, timeoutMs = 3_000) => waitFor('a matching frame', () => frames.slice(from).find(match), timeoutMs),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Tries a handshake that should be refused (no subprotocol at all without `token`); resolves with the HTTP status. */
export function refusedStatus(wsUrl: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, token);
    openSockets.add(socket);
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => reject(new Error('the handshake was accepted')));
    socket.on('error', () => undefined);
  });
}

/** Closes every ChatRoom and raw socket this file opened. */
export async function closeAllClients(): Promise<void> {
  for (const room of openClients) if (room.state !== 'disconnected') room.disconnect();
  openClients.clear();
  await Promise.all(
    [...openSockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
  openSockets.clear();
}

/** A document client on the stack's dynalite (it ignores credentials, the SDK needs some); destroy it after use. */
export const tableClient = (dynamodbEndpoint: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );

/** Connection records straight from dynalite (a scan is fine in a test, never in the product). */
export async function connectionRecords(dynamodbEndpoint: string): Promise<Record<string, unknown>[]> {
  const db = tableClient(dynamodbEndpoint);
  try {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: 'ivschat',
          FilterExpression: 'begins_with(PK, :conn)',
          ExpressionAttributeValues: { ':conn': 'CONN#' },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  } finally {
    db.destroy();
  }
}

/** Connection ids of one user's records in a room. */
export const connectionIdsOf = async (dynamodbEndpoint: string, roomId: string, userId: string): Promise<string[]> =>
  (await connectionRecords(dynamodbEndpoint))
    .filter((item) => item.roomId === roomId && item.userId === userId)
    .map((item) => String(item.connectionId));
