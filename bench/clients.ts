import { Agent } from 'node:http';
import { CreateRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import WebSocket from 'ws';
import type { TokenMinter } from './mint';

/** The official SDK client on the local control plane, with room for the bench's parallel calls. */
export function ivschatClient(apiUrl: string): IvschatClient {
  return new IvschatClient({
    endpoint: apiUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }) }),
  });
}

/**
 * The loopback source address of the i-th connection: one address has only the ephemeral port range
 * (about 28,000 ports on Linux) to connect to one server port from, so 50,000 connections come from
 * several (all of 127.0.0.0/8 is this machine).
 */
const sourceAddress = (i: number) => `127.0.0.${1 + (i % SOURCE_ADDRESSES)}`;
const SOURCE_ADDRESSES = 8;

/** Opens one WebSocket (no compression, as API Gateway); rejects when the handshake is refused. */
export function openSocket(url: string, protocol?: string, i = 0): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const local = new URL(url).hostname === '127.0.0.1' ? { localAddress: sourceAddress(i) } : {};
    const socket = new WebSocket(url, protocol, { perMessageDeflate: false, ...local });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
  });
}

/** Where one receiver connects: the URL, the subprotocol (the service's token) and its index. */
export interface ConnectArgs {
  url: string;
  protocol?: string;
  index: number;
}

/**
 * Something a chat room can be measured on: the service (a room, tokens minted through
 * CreateChatToken) or the bare-ws baseline. Receivers may only receive (they are opened in the
 * receiver processes, bench/receivers.ts); the sender may send.
 */
export interface ChatTarget {
  name: string;
  connectArgs(i: number): Promise<ConnectArgs>;
  openSender(): Promise<WebSocket>;
}

/** The bench's clients of the local control plane: the SDK, and the lighter token minter (bench/mint.ts). */
export interface ServiceClients {
  sdk: IvschatClient;
  minter: TokenMinter;
}

/** A new room of the service; each connection gets its own token, minted through CreateChatToken and then presented once. */
export async function serviceRoom(clients: ServiceClients, wsUrl: string, name: string): Promise<ChatTarget & { arn: string }> {
  const room = await clients.sdk.send(new CreateRoomCommand({ name, maximumMessageRatePerSecond: 100 }));
  const arn = room.arn as string;
  const mint = (userId: string, capabilities: string[]) => resentOnReset(() => clients.minter.mint(arn, userId, capabilities));
  return {
    name: 'ivschat',
    arn,
    connectArgs: async (i) => ({ url: wsUrl, protocol: await mint(`receiver-${i}`, []), index: i }),
    openSender: async () => openSocket(wsUrl, await mint('sender', ['SEND_MESSAGE'])),
  };
}

/**
 * A call sent again (twice at most) when its kept-alive socket was closed under it: the server
 * closes sockets idle for 5 s, and one the pool hands out just then ends in "socket hang up";
 * on a loaded machine that happens now and then among thousands of mints.
 */
async function resentOnReset<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const reset = (err as NodeJS.ErrnoException).code === 'ECONNRESET' || /socket hang up/.test((err as Error).message);
      if (!reset || attempt >= attempts) throw err;
    }
  }
}

export function bareTarget(url: string): ChatTarget {
  return { name: 'bare ws', connectArgs: async (i) => ({ url, index: i }), openSender: () => openSocket(url) };
}

/** Closes sockets and waits (bounded) until they are closed. */
export async function closeAll(sockets: readonly WebSocket[], timeoutMs = 10_000): Promise<void> {
  const open = sockets.filter((s) => s !== undefined && s.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(
    open.map((s) => new Promise<void>((resolve) => (s.readyState === WebSocket.CLOSED ? resolve() : s.once('close', () => resolve())))),
  );
  for (const s of open) s.close(1000);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  for (const s of open) if (s.readyState !== WebSocket.CLOSED) s.terminate();
}
