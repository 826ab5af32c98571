import { startLocalStack } from '../lib/local/local-stack';
import { LocalConfigError, readLocalSettings } from '../lib/local/settings';

/** `npm start`: the whole service on this machine, no AWS account needed. */
async function main(): Promise<void> {
  const settings = readLocalSettings();
  const stack = await startLocalStack(settings);
  console.log(`ivschat-local: control plane (SigV4, region ${settings.region}) listening on ${stack.apiUrl}`);
  console.log(`ivschat-local: data ${settings.dataDir ? `kept in ${settings.dataDir}` : 'in memory (set IVSCHAT_DATA_DIR to keep it)'}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`ivschat-local: ${signal}, finishing in-flight requests`);
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
