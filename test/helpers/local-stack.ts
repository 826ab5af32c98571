import { ChildProcess, ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { IvschatClient } from '@aws-sdk/client-ivschat';

const ROOT = resolve(__dirname, '../..');

export interface LocalProcess {
  apiUrl: string;
  wsUrl: string;
  connectionsEndpoint: string;
  /** dynalite inside the stack (table `ivschat`), to look at records directly. */
  dynamodbEndpoint: string;
  /** Where the local destinations of logging configurations write chat logs. */
  logsDir: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal (SIGTERM by default) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `bin/local.ts` on free ports with the tests' defaults (in memory, test/test), stdout and stderr piped. */
export function spawnLocal(env: Record<string, string | undefined> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      IVSCHAT_API_PORT: '0',
      IVSCHAT_WS_PORT: '0',
      AWS_REGION: 'us-east-1',
      IVSCHAT_ACCOUNT_ID: '000000000000',
      IVSCHAT_PRINCIPALS_FILE: undefined,
      IVSCHAT_DATA_DIR: undefined,
      // The stack's request logs are part of what tests check; the jest process itself runs silent.
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * Starts `bin/local.ts` as `npm start` does (a separate process, real sockets, real dynalite) on
 * free ports, and resolves once it prints its endpoint. Rejects with the process output if it exits first.
 */
export function startLocal(env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<LocalProcess> {
  const child = spawnLocal(env);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`local stack did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const api = /control plane .*listening on (http:\/\/\S+)/.exec(output);
      const ws = /WebSocket listening on (ws:\/\/\S+) \(@connections API: (http:\/\/[^)\s]+)\)/.exec(output);
      const db = /DynamoDB \(dynalite\) at (http:\/\/\S+),/.exec(output);
      const logs = /chat logs of logging configurations written under (\S+)\n/.exec(output);
      if (api?.[1] && ws?.[1] && ws[2] && db?.[1] && logs?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolvePromise({
          apiUrl: api[1],
          wsUrl: ws[1],
          connectionsEndpoint: ws[2],
          dynamodbEndpoint: db[1],
          logsDir: logs[1],
          process: child,
          output: () => output,
          stop,
        });
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local stack exited with ${code} before listening:\n${output}`));
    });
  });
}

/** The official SDK client pointed at the local stack; one attempt, so expected errors are not retried. */
export function ivschat(apiUrl: string, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): IvschatClient {
  return new IvschatClient({ endpoint: apiUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
}
