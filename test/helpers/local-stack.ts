import { ChildProcess, ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { IvschatClient } from '@aws-sdk/client-ivschat';
import { startLocalStack } from '../../lib/local/local-stack';
import { ReadyInfo, parseReadyLine } from '../../lib/local/ready';
import { readLocalSettings } from '../../lib/local/settings';
import { closeAllClients } from './chat';

const ROOT = resolve(__dirname, '../..');

/**
 * The endpoints of a running stack: the control plane, the messaging WebSocket, its @connections
 * API, dynalite inside the stack (table `ivschat`, to look at records directly) and where the local
 * destinations of logging configurations write chat logs.
 */
export type LocalEndpoints = ReadyInfo;

export interface LocalProcess extends LocalEndpoints {
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal (SIGTERM by default) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

type Env = Record<string, string | undefined>;

/** The tests' defaults for a stack: free ports, in memory, the default principal (test/test). */
const TEST_ENV: Env = {
  IVSCHAT_API_PORT: '0',
  IVSCHAT_WS_PORT: '0',
  AWS_REGION: 'us-east-1',
  IVSCHAT_ACCOUNT_ID: '000000000000',
  IVSCHAT_PRINCIPALS_FILE: undefined,
  IVSCHAT_DATA_DIR: undefined,
};

/** Spawns `bin/local.ts` on free ports with the tests' defaults (in memory, test/test), stdout and stderr piped. */
export function spawnLocal(env: Env = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: ROOT,
    // The stack's request logs are part of what tests check; the jest process itself runs silent.
    env: { ...process.env, ...TEST_ENV, POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs bin/local.ts to its exit (it must exit within 15 s), keeping stdout and stderr apart. */
export function runToExit(env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnLocal(env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `bin/local.ts` as `npm start` does (a separate process, real sockets, real dynalite) on
 * free ports, and resolves once it prints its endpoint. Rejects with the process output if it exits first.
 */
export function startLocal(env: Env = {}, timeoutMs = 20_000): Promise<LocalProcess> {
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
      const ready = parseReadyLine(output);
      if (ready) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolvePromise({ ...ready, process: child, output: () => output, stop });
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

export type InProcessStack = LocalEndpoints & { stop(): Promise<void> };

/**
 * The local stack inside the test process: the same startLocalStack that `npm start` runs (real
 * sockets, real dynalite), without a process to spawn. `env` is the whole environment it reads,
 * over the tests' defaults; the test process's own is not consulted.
 */
export async function startInProcess(env: Env = {}): Promise<InProcessStack> {
  const all = { ...TEST_ENV, ...env };
  const stack = await startLocalStack(readLocalSettings(all), { env: all });
  const { apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir } = stack;
  return { apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir, stop: () => stack.stop() };
}

/** A stack for the tests of one file, and the official SDK client pointed at it. */
export interface UsedStack {
  /** The running stack's endpoints (read them inside tests and hooks, once it has started). */
  stack: LocalEndpoints & {
    output(): string;
    /** The stack's process, for files that spawn it. */
    readonly process: ChildProcess;
  };
  client: IvschatClient;
}

/**
 * One line per file: a stack started before the file's tests (in this process unless `spawn`, for
 * files about the process itself: its output, its signals, its restarts) and stopped after them,
 * with every chat client the file opened.
 */
export function useLocalStack(env: Env | (() => Env) = {}, options: { spawn?: boolean } = {}): UsedStack {
  let running: (LocalEndpoints & { stop(): Promise<unknown>; output?(): string; process?: ChildProcess }) | undefined;
  const started = () => {
    if (!running) throw new Error('the local stack is not running: use it inside tests and hooks');
    return running;
  };
  const stack = {
    get apiUrl() {
      return started().apiUrl;
    },
    get wsUrl() {
      return started().wsUrl;
    },
    get connectionsEndpoint() {
      return started().connectionsEndpoint;
    },
    get dynamodbEndpoint() {
      return started().dynamodbEndpoint;
    },
    get logsDir() {
      return started().logsDir;
    },
    output: () => started().output?.() ?? '',
    get process(): ChildProcess {
      const child = started().process;
      if (!child) throw new Error('this stack runs in the test process: pass { spawn: true } for one of its own');
      return child;
    },
  };
  // The endpoint is known only once the stack listens: the client asks for it on each request.
  const client = new IvschatClient({
    endpoint: async () => {
      const url = new URL(stack.apiUrl);
      return { protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname };
    },
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  beforeAll(async () => {
    const wanted = typeof env === 'function' ? env() : env;
    running = options.spawn ? await startLocal(wanted) : await startInProcess(wanted);
  });
  afterAll(async () => {
    await closeAllClients();
    client.destroy();
    await running?.stop();
  });
  return { stack, client };
}
