import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CreateChatTokenCommand, CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ChatRoom, DeleteMessageRequest, DisconnectUserRequest, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import type { ChatLogger, DisconnectReason } from 'amazon-ivs-chat-messaging';
import WebSocket from 'ws';
import { EXTENSION_COMMANDS_HELP, runExtensionCommand } from '../lib/client/chat-commands';
import { IvschatExtensionsClient } from '../lib/client/extensions';

const USAGE = `usage: ivschat chat --room NAME --user NAME [options]
       ivschat start   (the local service, as npm start: settings from the IVSCHAT_* variables)

Joins (or creates) the room NAME and chats in it through the official messaging client.
Type a line to send it; /delete ID [reason] deletes a message; /kick USER [reason] disconnects a
user; /quit leaves.
${EXTENSION_COMMANDS_HELP}; /unban USER lifts a ban (docs/extensions.md).

options:
  --endpoint URL            control plane (default http://127.0.0.1:8787, or IVSCHAT_ENDPOINT)
  --ws URL                  messaging WebSocket (default ws://127.0.0.1:8788, or IVSCHAT_WS_URL)
  --region REGION           default AWS_REGION or us-east-1
  --moderator               also ask for DELETE_MESSAGE and DISCONNECT_USER
  --access-key-id KEY       with --secret-access-key: the credentials to sign with
  --secret-access-key KEY
  --verbose                 also print the messaging client's own log
credentials, first found: the two options above; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
(and AWS_SESSION_TOKEN) in the environment; local mode's default test / test.`;

/** Thrown for problems the user can fix; main prints the message as the one line it is. */
class CliError extends Error {}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The credentials to sign with and a phrase saying where they came from (printed, and used in hints). */
function resolveCredentials(flags: { 'access-key-id'?: string; 'secret-access-key'?: string }, env: NodeJS.ProcessEnv) {
  const pair = (id: string | undefined, secret: string | undefined, idName: string, secretName: string) => {
    if (id && secret) return true;
    if (id || secret) throw new CliError(`${id ? idName : secretName} is set but ${id ? secretName : idName} is not: set both, or neither`);
    return false;
  };
  if (pair(flags['access-key-id'], flags['secret-access-key'], '--access-key-id', '--secret-access-key')) {
    return {
      credentials: { accessKeyId: flags['access-key-id']!, secretAccessKey: flags['secret-access-key']! } as Credentials,
      source: 'from --access-key-id',
    };
  }
  if (pair(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY')) {
    return {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
      } as Credentials,
      source: `from AWS_ACCESS_KEY_ID in the environment${env.AWS_SESSION_TOKEN ? ', with AWS_SESSION_TOKEN' : ''}`,
    };
  }
  return { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } as Credentials, source: "local mode's default test / test" };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** One line for a failed control-plane call, whatever the SDK threw. */
function describeCallError(err: unknown, endpoint: string, credentialsSource: string): string {
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    errors?: { code?: string }[];
    $metadata?: { httpStatusCode?: number };
  };
  // Node reports a refused connection to a name with two addresses as an AggregateError with no message.
  const code = e.code ?? e.errors?.find((inner) => inner.code)?.code;
  if (code && NETWORK_CODES.has(code)) return `cannot reach the control plane at ${endpoint} (${code}): is \`npm start\` running there?`;
  const status = e.$metadata?.httpStatusCode;
  const what = `${e.name ?? 'Error'}${status ? ` (${status})` : ''}: ${firstLine(e.message) || 'no message'}`;
  if (e.name === 'UnrecognizedClientException' || e.name === 'InvalidSignatureException') {
    const hint = credentialsSource.startsWith('from AWS_')
      ? " (local mode's default is test / test: unset AWS_ACCESS_KEY_ID, or pass --access-key-id)"
      : '';
    return `${what.replace(/\.$/, '')}; the credentials are ${credentialsSource}${hint}`;
  }
  return what;
}

/** The official client takes anything that is not a ws(s) URL for a region name; say so before. */
function checkUrl(option: string, value: string, protocols: string[], expected: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !protocols.includes(url.protocol)) {
    throw new CliError(`--${option} must be ${expected} URL, not "${value}"`);
  }
}

const firstLine = (text: string | undefined) => (text ?? '').split('\n')[0]!.trim();

/**
 * The official client logs every error as the raw object (ErrorEvents of hundreds of lines). This
 * logger keeps the last error as one line, for the disconnect message, and prints the client's own log
 * only with --verbose (to stderr, so it does not mix with the chat).
 */
class QuietLogger implements ChatLogger {
  lastError = '';
  constructor(private readonly verbose: boolean) {}
  debug(message: string, ...args: unknown[]) {
    if (this.verbose) console.error(message, ...args);
  }
  info(message: string, ...args: unknown[]) {
    if (this.verbose) console.error(message, ...args);
  }
  error(message: string, ...args: unknown[]) {
    if (this.verbose) console.error(message, ...args);
    const detail = args.map(describeLogged).find(Boolean);
    if (detail) this.lastError = detail;
  }
}

/** The one useful line inside what the client logs: an ErrorEvent's message, an Error's, a CloseEvent's code. */
function describeLogged(arg: unknown): string {
  if (!arg || typeof arg !== 'object') return '';
  const a = arg as { message?: unknown; error?: { message?: unknown }; code?: unknown; reason?: unknown; name?: unknown };
  if (typeof a.message === 'string' && a.message) return firstLine(a.message);
  if (typeof a.error?.message === 'string') return firstLine(a.error.message);
  if (typeof a.code === 'number') return `closed with code ${a.code}${a.reason ? ` (${String(a.reason)})` : ''}`;
  return '';
}

/** The one line printed when the room is gone for a reason other than /quit or a kick. */
function describeDisconnect(reason: DisconnectReason, wsUrl: string, lastError: string): string {
  const detail = lastError ? `: ${lastError}` : '';
  const status = /Unexpected server response: (\d+)/.exec(lastError)?.[1];
  if (reason === 'socketError' && (status === '401' || status === '403')) {
    return `the messaging WebSocket at ${wsUrl} refused the chat token (${status}): is it the same stack as --endpoint?`;
  }
  if (reason === 'socketError') return `cannot connect to the messaging WebSocket at ${wsUrl}${detail}`;
  if (reason === 'fetchTokenError') return `cannot get a chat token from the control plane${detail}`;
  return `disconnected (${reason})${detail}`;
}

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
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals[0] !== 'chat' || !values.room || !values.user) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  checkUrl('endpoint', values.endpoint, ['http:', 'https:'], 'an http:// or https://');
  checkUrl('ws', values.ws, ['ws:', 'wss:'], 'a ws:// or wss://');
  // Node 20 has no global WebSocket; the official client expects one.
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  const { credentials, source } = resolveCredentials(values, process.env);
  console.error(`* credentials: access key ${credentials.accessKeyId}, ${source}`);
  const ivschat = new IvschatClient({ endpoint: values.endpoint, region: values.region, credentials });
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (err) {
      throw new CliError(describeCallError(err, values.endpoint, source));
    }
  };
  const roomName = values.room;
  const { rooms } = await call(() => ivschat.send(new ListRoomsCommand({ name: roomName, maxResults: 1 })));
  const roomArn = rooms?.[0]?.arn ?? (await call(() => ivschat.send(new CreateRoomCommand({ name: roomName })))).arn;
  const capabilities = values.moderator ? ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] : ['SEND_MESSAGE'];
  const room = new ChatRoom({
    regionOrUrl: values.ws,
    tokenProvider: async () => {
      const t = await call(() =>
        ivschat.send(new CreateChatTokenCommand({ roomIdentifier: roomArn, userId: values.user, capabilities: capabilities as never })),
      );
      return { token: t.token as string, sessionExpirationTime: t.sessionExpirationTime, tokenExpirationTime: t.tokenExpirationTime };
    },
  });
  const logger = new QuietLogger(values.verbose);
  room.logger = logger;
  room.logLevel = values.verbose ? 'debug' : 'error';
  room.addListener('connect', () => console.log(`* joined ${roomName} as ${values.user}`));
  room.addListener('message', (m) => console.log(`[${m.sender.userId}] ${m.content}  (${m.id})`));
  room.addListener('event', (e) => console.log(`* event ${e.eventName} ${JSON.stringify(e.attributes ?? {})}`));
  room.addListener('messageDelete', (e) => console.log(`* message ${e.messageId} deleted${e.reason ? `: ${e.reason}` : ''}`));
  room.addListener('userDisconnect', (e) => console.log(`* ${e.userId} was disconnected${e.reason ? `: ${e.reason}` : ''}`));

  const done = new Promise<number>((resolve) => {
    room.addListener('disconnect', (reason) => {
      if (reason === 'clientDisconnect' || reason === 'serverDisconnect') {
        console.log(`* disconnected (${reason})`);
        resolve(reason === 'clientDisconnect' ? 0 : 1);
      } else {
        console.error(`ivschat: ${describeDisconnect(reason, values.ws, logger.lastError)}`);
        resolve(1);
      }
    });
  });
  room.connect();

  const input = createInterface({ input: process.stdin });
  const extensions = new IvschatExtensionsClient({ endpoint: values.endpoint, region: values.region, credentials });
  input.on('line', (line) => {
    const extension = runExtensionCommand(extensions, roomArn as string, line);
    if (extension) return void extension.then((lines) => lines.forEach((l) => console.log(l)));
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
    request?.catch((err: { errorCode?: number; errorMessage?: string; message?: string }) =>
      console.log(`! refused (${err.errorCode ?? '?'}): ${err.errorMessage ?? firstLine(err.message)}`),
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
    // CliError and parseArgs messages are one line already; anything else is cut to its first.
    console.error(`ivschat: ${firstLine((err as Error).message) || String(err)}`);
    process.exit((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
  },
);
