import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CreateChatTokenCommand, CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ChatRoom, DeleteMessageRequest, DisconnectUserRequest, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import WebSocket from 'ws';

const USAGE = `usage: ivschat chat --room NAME --user NAME [options]

Joins (or creates) the room NAME and chats in it through the official messaging client.
Type a line to send it; /delete ID [reason] deletes a message; /kick USER [reason] disconnects a
user; /quit leaves.

options:
  --endpoint URL      control plane (default http://127.0.0.1:8787, or IVSCHAT_ENDPOINT)
  --ws URL            messaging WebSocket (default ws://127.0.0.1:8788, or IVSCHAT_WS_URL)
  --region REGION     default AWS_REGION or us-east-1
  --moderator         also ask for DELETE_MESSAGE and DISCONNECT_USER
credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or test / test`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      room: { type: 'string' },
      user: { type: 'string' },
      endpoint: { type: 'string', default: process.env.IVSCHAT_ENDPOINT ?? 'http://127.0.0.1:8787' },
      ws: { type: 'string', default: process.env.IVSCHAT_WS_URL ?? 'ws://127.0.0.1:8788' },
      region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
      moderator: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals[0] !== 'chat' || !values.room || !values.user) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  // Node 20 has no global WebSocket; the official client expects one.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  const ivschat = new IvschatClient({
    endpoint: values.endpoint,
    region: values.region,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  });
  const roomName = values.room;
  const { rooms } = await ivschat.send(new ListRoomsCommand({ name: roomName, maxResults: 1 }));
  const roomArn = rooms?.[0]?.arn ?? (await ivschat.send(new CreateRoomCommand({ name: roomName }))).arn;
  const capabilities = values.moderator ? ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] : ['SEND_MESSAGE'];
  const room = new ChatRoom({
    regionOrUrl: values.ws,
    tokenProvider: async () => {
      const t = await ivschat.send(
        new CreateChatTokenCommand({ roomIdentifier: roomArn, userId: values.user, capabilities: capabilities as never }),
      );
      return { token: t.token as string, sessionExpirationTime: t.sessionExpirationTime, tokenExpirationTime: t.tokenExpirationTime };
    },
  });
  room.logLevel = 'error';
  room.addListener('connect', () => console.log(`* joined ${roomName} as ${values.user}`));
  room.addListener('message', (m) => console.log(`[${m.sender.userId}] ${m.content}  (${m.id})`));
  room.addListener('event', (e) => console.log(`* event ${e.eventName} ${JSON.stringify(e.attributes ?? {})}`));
  room.addListener('messageDelete', (e) => console.log(`* message ${e.messageId} deleted${e.reason ? `: ${e.reason}` : ''}`));
  room.addListener('userDisconnect', (e) => console.log(`* ${e.userId} was disconnected${e.reason ? `: ${e.reason}` : ''}`));

  const done = new Promise<number>((resolve) => {
    room.addListener('disconnect', (reason) => {
      console.log(`* disconnected (${reason})`);
      resolve(reason === 'clientDisconnect' ? 0 : 1);
    });
  });
  room.connect();

  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [command, arg, ...rest] = line.trim().split(/\s+/);
    const reason = rest.join(' ') || undefined;
    const request =
      command === '/quit'
        ? (room.disconnect(), undefined)
        : command === '/delete' && arg
          ? room.deleteMessage(new DeleteMessageRequest(arg, reason))
          : command === '/kick' && arg
            ? room.disconnectUser(new DisconnectUserRequest(arg, reason))
            : line.trim()
              ? room.sendMessage(new SendMessageRequest(line))
              : undefined;
    request?.catch((err: { errorCode?: number; errorMessage?: string }) =>
      console.log(`! refused (${err.errorCode ?? '?'}): ${err.errorMessage ?? String(err)}`),
    );
  });
  input.on('close', () => room.disconnect());
  const code = await done;
  input.close();
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ivschat: ${(err as Error).message}`);
    process.exit(1);
  },
);
