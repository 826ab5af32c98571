import { ExtensionServiceError, IvschatExtensionsClient } from './extensions';

/** The chat CLI's extension commands, one line each: what `ivschat chat` prints for them. */
export const EXTENSION_COMMANDS_HELP = `/history [N] shows the last N messages (default 20); /who lists who is in the room;
/ban USER [MINUTES] [reason] bans a user (for MINUTES, or until /unban USER)`;

const MAX_HISTORY = 500;

/**
 * Runs `line` if it is one of the extension commands (/history, /who, /ban, /unban) and resolves
 * with the lines to print; undefined when it is not one of them. Refusals are lines too.
 */
export function runExtensionCommand(ext: IvschatExtensionsClient, roomArn: string, line: string): Promise<string[]> | undefined {
  const [command, ...args] = line.trim().split(/\s+/);
  const run = COMMANDS[command ?? ''];
  if (!run) return undefined;
  return run(ext, roomArn, args).catch((err: unknown) => [
    err instanceof ExtensionServiceError ? `! refused (${err.name}): ${err.message}` : `! failed: ${(err as Error).message}`,
  ]);
}

type Command = (ext: IvschatExtensionsClient, roomArn: string, args: string[]) => Promise<string[]>;

const COMMANDS: Record<string, Command> = {
  '/history': async (ext, roomArn, [count]) => {
    const wanted = count === undefined ? 20 : Number(count);
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_HISTORY) return [`! usage: /history [N], N from 1 to ${MAX_HISTORY}`];
    const messages = [];
    let nextToken: string | undefined;
    do {
      const page = await ext.listMessages({ roomIdentifier: roomArn, maxResults: Math.min(100, wanted - messages.length), nextToken });
      messages.push(...page.messages);
      nextToken = page.nextToken;
    } while (nextToken && messages.length < wanted);
    if (messages.length === 0) return ['* no messages in the history'];
    // Listed newest first; shown in the order they were sent, as the chat shows them.
    return messages
      .reverse()
      .map((m) =>
        m.Type === 'MESSAGE' ? `${m.SendTime} [${m.Sender.UserId}] ${m.Content}  (${m.Id})` : `${m.SendTime} * event ${m.EventName}`,
      );
  },

  '/who': async (ext, roomArn) => {
    const users = [];
    let nextToken: string | undefined;
    let counts = { connectionCount: 0, userCount: 0 };
    do {
      const page = await ext.getRoomPresence({ roomIdentifier: roomArn, maxResults: 100, nextToken });
      counts = page;
      users.push(...page.users);
      nextToken = page.nextToken;
    } while (nextToken);
    return [
      `* ${counts.userCount} user(s), ${counts.connectionCount} connection(s)`,
      ...users.map((u) => `  ${u.userId}${u.connectionCount > 1 ? ` (${u.connectionCount} connections)` : ''} since ${u.connectedAt}`),
    ];
  },

  '/ban': async (ext, roomArn, [userId, ...rest]) => {
    if (!userId) return ['! usage: /ban USER [MINUTES] [reason]'];
    const minutes = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest.shift()) : undefined;
    const reason = rest.join(' ') || undefined;
    await ext.banUser({ roomIdentifier: roomArn, userId, reason, durationInMinutes: minutes });
    return [`* ${userId} is banned${minutes === undefined ? ' until /unban' : ` for ${minutes} minute(s)`}${reason ? `: ${reason}` : ''}`];
  },

  '/unban': async (ext, roomArn, [userId]) => {
    if (!userId) return ['! usage: /unban USER'];
    await ext.unbanUser({ roomIdentifier: roomArn, userId });
    return [`* ${userId} may join again`];
  },
};
