import { startLocalStack } from '../lib/local/local-stack';
import { readyLine } from '../lib/local/ready';
import { LocalConfigError, readLocalSettings } from '../lib/local/settings';

/** After SIGTERM or SIGINT the process is gone by then, whatever clients had queued. */
const STOP_DEADLINE_MS = 10_000;

/** `npm start`: the whole service on this machine, no AWS account needed. */
async function main(): Promise<void> {
  // The SDK versions are pinned in package.json; its notice about future Node 22 requirements is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = readLocalSettings();
  const stack = await startLocalStack(settings);
  console.log(`ivschat-local: messaging WebSocket listening on ${stack.wsUrl} (@connections API: ${stack.connectionsEndpoint})`);
  console.log(`ivschat-local: control plane (SigV4, region ${settings.region}) listening on ${stack.apiUrl}`);
  console.log(`ivschat-local: console at ${stack.apiUrl}/console/`);
  console.log(`ivschat-local: DynamoDB (dynalite) at ${stack.dynamodbEndpoint}, table ivschat`);
  console.log(`ivschat-local: data ${settings.dataDir ? `kept in ${settings.dataDir}` : 'in memory (set IVSCHAT_DATA_DIR to keep it)'}`);
  console.log(`ivschat-local: chat logs of logging configurations written under ${stack.logsDir}`);
  const { apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir } = stack;
  console.log(readyLine({ apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir }));

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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const reason = err instanceof LocalConfigError ? err.message : `failed to start: ${(err as Error).message}`;
  console.error(`ivschat-local: ${reason}`);
  process.exit(1);
});
