import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseReadyLine } from '../lib/local/ready';
import { cpuSeconds } from '../test/helpers/process-probe';

export const ROOT = resolve(__dirname, '..');

/** The open-files limits of this process (soft, hard), as the shell reports them. */
export function fileLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const text = execFileSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text);
  };
  return { soft: read('-Sn'), hard: read('-Hn') };
}

/** A child process the bench started, with its output kept (the tail) for error messages. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** The child's stdout and stderr so far, the last 64 KiB. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Runs `node --import tsx <script>` with the soft open-files limit raised to the hard one (the
 * server side of 10,000 connections needs more than 10,000 descriptors), and resolves with what
 * `ready` reads from the child's stdout once it reads something.
 */
export function spawnTs<T>(
  script: string,
  options: {
    env?: Record<string, string | undefined>;
    nodeArgs?: string[];
    ready: (stdout: string) => T | undefined;
    timeoutMs?: number;
    logFile?: string;
    /** An IPC channel to the child (process.send in it), as child.process.send. */
    ipc?: boolean;
  },
): Promise<{ child: Child; ready: T }> {
  const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', script].map(shellQuote).join(' ');
  const proc = spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${node}`], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65_536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (options.logFile) {
    const log = createWriteStream(options.logFile);
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
  }
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const child: Child = {
    process: proc,
    pid: proc.pid ?? 0,
    output: () => output,
    stop: async (graceMs = 10_000) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void child.stop(0);
      reject(new Error(`${script} did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      const ready = options.ready(seen);
      if (ready !== undefined) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolvePromise({ child, ready });
      }
    };
    proc.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The local stack as `npm start` runs it (bin/local.ts), on free ports, in memory. */
export interface Stack {
  child: Child;
  apiUrl: string;
  wsUrl: string;
  dynamodbEndpoint: string;
}

export async function startStack(nodeArgs: string[] = [], logFile?: string, env: Record<string, string> = {}): Promise<Stack> {
  const { child, ready } = await spawnTs('bin/local.ts', {
    nodeArgs,
    logFile,
    env: {
      ...env,
      IVSCHAT_API_PORT: '0',
      IVSCHAT_WS_PORT: '0',
      IVSCHAT_HOST: '127.0.0.1',
      IVSCHAT_DATA_DIR: undefined,
      IVSCHAT_PRINCIPALS_FILE: undefined,
      AWS_REGION: 'us-east-1',
      IVSCHAT_ACCOUNT_ID: '000000000000',
    },
    ready: parseReadyLine,
  });
  return { child, apiUrl: ready.apiUrl, wsUrl: ready.wsUrl, dynamodbEndpoint: ready.dynamodbEndpoint };
}

/** The bare `ws` broadcast server of the baselines (bench/bare-ws-server.ts), in its own process. */
export async function startBareWs(env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const { child, ready } = await spawnTs('bench/bare-ws-server.ts', {
    env,
    ready: (stdout) => /bare-ws listening on (ws:\/\/\S+)/.exec(stdout)?.[1],
  });
  return { child, url: ready };
}

const CLOCK_TICKS = 100;

/** CPU time the whole machine has been busy so far, all cores together, in seconds (Linux /proc/stat). */
function machineBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** CPU seconds used over a stretch of time: by the server, by this process, by the rest of the machine. */
export interface CpuUse {
  seconds: number;
  server: number;
  client: number;
  other: number;
}

/**
 * Starts measuring; the returned function ends the stretch and tells what was used. The client's
 * CPU is this process's and that of `clientPids` (the receiver processes).
 */
export function cpuMeter(serverPid: number, clientPids: readonly number[] = []): () => CpuUse {
  const started = performance.now();
  const server = cpuSeconds(serverPid);
  const client = process.cpuUsage();
  const children = clientPids.map(cpuSeconds);
  const machine = machineBusySeconds();
  return () => {
    const used = process.cpuUsage(client);
    const serverUsed = cpuSeconds(serverPid) - server;
    const childrenUsed = clientPids.reduce((sum, pid, k) => sum + cpuSeconds(pid) - (children[k] as number), 0);
    const clientUsed = (used.user + used.system) / 1e6 + childrenUsed;
    return {
      seconds: (performance.now() - started) / 1000,
      server: serverUsed,
      client: clientUsed,
      other: Math.max(0, machineBusySeconds() - machine - serverUsed - clientUsed),
    };
  };
}

/**
 * Waits until a process stays nearly idle (under 10% of a core for 300 ms), so that work left over
 * from one scenario ($disconnect of closed sockets, garbage collection) does not bleed into the next;
 * then waits a little longer (at most `quietMs`) for the rest of the machine to be quiet too.
 */
export async function settle(pid: number, timeoutMs = 30_000, quietMs = 2_000): Promise<void> {
  const idle = async (busy: () => number, limit: number, until: number) => {
    while (Date.now() < until) {
      const before = busy();
      await sleep(300);
      if (busy() - before < limit) return;
    }
  };
  await idle(() => cpuSeconds(pid), 0.03, Date.now() + timeoutMs);
  await idle(machineBusySeconds, 0.06, Date.now() + quietMs);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
