/**
 * A hostile viewer, run as a process of its own so that its busy loop never delays the process that
 * measures (a test, the bench): `node --import tsx test/helpers/flood-client.ts '<json options>'`.
 * It holds a token with no capabilities and sends one kind of frame as fast as the socket takes it
 * for `seconds`, then prints one JSON line: how many frames it sent, how many answers it got, and
 * how often the server closed it with 1009.
 */
import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { CreateChatTokenCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import WebSocket from 'ws';

export type FloodKind = 'tiny' | 'big' | 'nested' | 'megabyte';

export interface FloodOptions {
  apiUrl: string;
  wsUrl: string;
  roomArn: string;
  kind: FloodKind;
  seconds: number;
}

export interface FloodResult {
  kind: FloodKind;
  sent: number;
  answers: number;
  closes1009: number;
  /** The code of the last close that was not a 1009 (0: the socket was still open at the end). */
  otherClose: number;
}

/** What each kind sends: under API Gateway's 128 KB limit except `megabyte`, which the server closes on. */
const FRAMES: Record<FloodKind, () => string> = {
  tiny: () => '1',
  big: () => JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'big', Content: 'x'.repeat(120 * 1024) }),
  nested: () => `{"Action":"SEND_MESSAGE","RequestId":"deep","Content":${'['.repeat(120 * 1024)}`,
  megabyte: () => `{"Action":"SEND_MESSAGE","Content":${'['.repeat(1024 * 1024)}`,
};
/** A reconnecting `megabyte` flooder waits this long between connections: a viewer's app mints its tokens. */
const RECONNECT_PAUSE_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function floodRoom(options: FloodOptions): Promise<FloodResult> {
  const client = new IvschatClient({
    endpoint: options.apiUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const result: FloodResult = { kind: options.kind, sent: 0, answers: 0, closes1009: 0, otherClose: 0 };
  const frame = FRAMES[options.kind]();
  const until = Date.now() + options.seconds * 1000;
  try {
    while (Date.now() < until) {
      const { token } = await client.send(new CreateChatTokenCommand({ roomIdentifier: options.roomArn, userId: `flood-${options.kind}` }));
      const socket = new WebSocket(options.wsUrl, token);
      socket.on('message', () => result.answers++);
      socket.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      await new Promise<void>((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('unexpected-response', () => reject(new Error('handshake refused')));
      });
      while (Date.now() < until && socket.readyState === WebSocket.OPEN) {
        // Keep at most 1 MiB in this process: the rest waits in TCP, where the server's pause leaves it.
        if (socket.bufferedAmount < 1024 * 1024) {
          socket.send(frame);
          result.sent++;
          if (result.sent % 64 === 0) await new Promise((r) => setImmediate(r));
        } else {
          await sleep(5);
        }
      }
      if (socket.readyState === WebSocket.OPEN) {
        socket.terminate();
        break;
      }
      const code = await closed;
      if (code === 1009) result.closes1009++;
      else result.otherClose = code;
      if (options.kind !== 'megabyte') break;
      await sleep(RECONNECT_PAUSE_MS);
    }
  } finally {
    client.destroy();
  }
  return result;
}

/** Runs a flooding viewer (this file) in a process of its own; resolves with what it printed. */
export function spawnFlood(options: FloodOptions): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, JSON.stringify(options)], {
      cwd: resolvePath(__dirname, '../..'),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': the output is all read by then.
    child.once('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exited ${code}`);
        resolve(JSON.parse(out) as FloodResult);
      } catch (err) {
        reject(new Error(`flood ${options.kind}: ${(err as Error).message}: ${out}`));
      }
    });
  });
}

if (require.main === module) {
  floodRoom(JSON.parse(process.argv[2] ?? '{}') as FloodOptions).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
