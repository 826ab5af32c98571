import { isAllowed } from '../lib/local/authorization';
import { batchWrites } from '../lib/local/batched-output';
import { bannerLines, readyLine } from '../lib/local/ready';
import { LocalConfigError, readLocalSettings } from '../lib/local/settings';

/** What the banner's `ivschat chat` command calls. */
const CHAT_ACTIONS = ['ivschat:ListRooms', 'ivschat:CreateRoom', 'ivschat:CreateChatToken'];

/** After SIGTERM or SIGINT the process is gone by then, whatever clients had queued. */
const STOP_DEADLINE_MS = 10_000;

/** `npm start`: the whole service on this machine, no AWS account needed. */
async function main(): Promise<void> {
  // The SDK versions are pinned in package.json; its notice about future Node 22 requirements is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = readLocalSettings();
  // A log line per request: written together once per event-loop turn, not one write(2) each.
  batchWrites(process.stdout);
  // Loaded once the settings are known good: a bad one is reported without loading every handler first.
  const { startLocalStack } = await import('../lib/local/local-stack.js');
  const stack = await startLocalStack(settings);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`ivschat-local: ${signal}, finishing in-flight requests`);
    // Every step of stop() is bounded; this is the promise to whoever sent the signal.
    setTimeout(() => {
      console.error(`ivschat-local: did not stop within ${STOP_DEADLINE_MS / 1000} s, exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`ivschat-local: error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  // Before the ready line: whoever reads it may signal at once (the default action would kill the process).
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const { apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir } = stack;
  const { principals, principalsFile, region, accountId, dataDir } = settings;
  const chatter = principals.find((p) => CHAT_ACTIONS.every((action) => isAllowed(p, action))) ?? principals[0]!;
  const banner = bannerLines({
    ...{ apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir, region, accountId, dataDir, principalsFile },
    accessKeyIds: principals.map((p) => p.accessKeyId),
    chatKeyId: chatter.accessKeyId,
  });
  console.log(banner.join('\n'));
  console.log(readyLine({ apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir }));
}

main().catch((err: unknown) => {
  const reason = err instanceof LocalConfigError ? err.message : `failed to start: ${(err as Error).message}`;
  console.error(`ivschat-local: ${reason}`);
  process.exit(1);
});
