import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/**
 * Looks at the memory of another Node process, such as the local stack spawned by startLocal.
 *
 *   const local = await startLocal({ ...PROBE_ENV });
 *   const probe = await attachProbe(local.process.pid!, local.output);
 *   probe.rssBytes();              // resident set size now, from /proc/<pid>/status
 *   await probe.heapUsedAfterGc(); // V8 heap in use right after a full garbage collection
 *   probe.close();
 *
 * The heap is read through the inspector protocol (HeapProfiler.collectGarbage, then
 * process.memoryUsage() evaluated in the process), so the process needs no --expose-gc and no
 * code of its own for it: only the inspector, which PROBE_ENV turns on, on a free loopback port.
 */

/** Environment for a spawned Node process that attachProbe can look into. */
export const PROBE_ENV = { NODE_OPTIONS: '--inspect=127.0.0.1:0' } as const;

/** Resident set size of a process (any process, inspector or not), in bytes. Linux only. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc, 100 clock ticks a second). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface ProcessProbe {
  rssBytes(): number;
  /** Heap in use (bytes) after two full garbage collections. */
  heapUsedAfterGc(): Promise<number>;
  close(): void;
}

/**
 * Connects to the inspector of process `pid`, whose output (stderr included) `output()` returns:
 * Node prints the inspector's address there when it starts with PROBE_ENV.
 */
export async function attachProbe(pid: number, output: () => string, timeoutMs = 10_000): Promise<ProcessProbe> {
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!(url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1])) {
    if (Date.now() > deadline) throw new Error(`process ${pid} shows no inspector address (spawned with PROBE_ENV?)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    rssBytes: () => rssBytes(pid),
    heapUsedAfterGc: async () => {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const result = (await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true })) as {
        result: { value: number };
      };
      return result.result.value;
    },
    close: () => socket.close(),
  };
}
