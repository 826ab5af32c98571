import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatTarget, ConnectArgs } from './clients';
import { Child, spawnTs } from './processes';
import { Samples, eachLimited } from './stats';
import { monotonicMs } from './wire';

export type ReceiverRequest =
  | { type: 'open'; batch: number; conns: ConnectArgs[]; concurrency: number }
  | { type: 'run'; tag: string; total: number }
  | { type: 'stop'; sentAt: number[]; samplesFile: string }
  | { type: 'close' };

export type ReceiverReply =
  | { type: 'opened'; batch: number; handshakeMs: number[] }
  | { type: 'running' }
  | { type: 'progress'; delivered: number }
  | { type: 'result'; delivered: number; last: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Handshakes in flight while opening many connections, over all receiver processes. */
const OPEN_CONCURRENCY = 64;
/** Connections handed to a receiver process at a time. */
const BATCH = 16;

interface Member {
  child: Child;
  held: number;
  delivered: number;
  waiting: Map<string, { resolve: (reply: ReceiverReply) => void; reject: (err: Error) => void }>;
}

/**
 * The receivers of a room, spread over several processes (bench/receiver-process.ts), so that one
 * process reading every frame of a large room is not the bottleneck of a fan-out run; the bare
 * baseline and the service are received the same way. Connection arguments (for the service, a
 * token minted through CreateChatToken) come from this process, in batches, while the receiver
 * processes open them.
 */
export class ReceiverPool {
  private constructor(private readonly members: Member[]) {}

  static async start(processes: number): Promise<ReceiverPool> {
    const members = await Promise.all(
      Array.from({ length: processes }, async () => {
        const { child } = await spawnTs('bench/receiver-process.ts', {
          ipc: true,
          ready: (stdout) => (stdout.includes('receivers ready') ? true : undefined),
        });
        const member: Member = { child, held: 0, delivered: 0, waiting: new Map() };
        child.process.on('message', (reply: ReceiverReply) => {
          if (reply.type === 'progress') {
            member.delivered = reply.delivered;
            return;
          }
          const key = reply.type === 'opened' ? `opened:${reply.batch}` : reply.type;
          const waiter = reply.type === 'error' ? [...member.waiting.values()][0] : member.waiting.get(key);
          if (reply.type === 'error') {
            member.waiting.clear();
            waiter?.reject(new Error(`receiver process ${child.pid}: ${reply.message}`));
          } else {
            member.waiting.delete(key);
            waiter?.resolve(reply);
          }
        });
        return member;
      }),
    );
    return new ReceiverPool(members);
  }

  /** The receiver processes' pids, whose CPU counts as the clients'. */
  get pids(): number[] {
    return this.members.map((m) => m.child.pid);
  }

  /** Receivers held over all processes. */
  get count(): number {
    return this.members.reduce((sum, m) => sum + m.held, 0);
  }

  /** Deliveries the processes last reported (every 100 ms) during a run. */
  delivered(): number {
    return this.members.reduce((sum, m) => sum + m.delivered, 0);
  }

  private ask<T extends ReceiverReply>(member: Member, request: ReceiverRequest, key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      member.waiting.set(key, { resolve: resolve as (reply: ReceiverReply) => void, reject });
      member.child.process.send(request);
    });
  }

  /**
   * Opens `count` receivers of `target`, 64 in flight over all processes (connection i goes to
   * process i mod P); each open's latency is the time its connection arguments took (a
   * CreateChatToken call for the service) plus its handshake's, waits in queues left out.
   */
  async open(
    target: ChatTarget,
    count: number,
    progress: (opened: number) => void = () => undefined,
  ): Promise<{ seconds: number; openMs: Float64Array }> {
    const start = monotonicMs();
    const minted = new Float64Array(count);
    const openMs = new Samples();
    let lastReport = start;
    const pending: { batch: number; conns: ConnectArgs[] }[] = this.members.map(() => ({ batch: 0, conns: [] }));
    const inFlight: Promise<void>[] = [];
    // Each process keeps its share of the 64 handshakes in flight; this process makes the arguments
    // (for the service, the mints) 64 at a time ahead of them.
    const concurrency = Math.ceil(OPEN_CONCURRENCY / this.members.length);
    const flush = (p: number) => {
      const member = this.members[p] as Member;
      const slot = pending[p] as { batch: number; conns: ConnectArgs[] };
      if (slot.conns.length === 0) return;
      const request = { type: 'open' as const, batch: slot.batch++, conns: slot.conns, concurrency };
      slot.conns = [];
      const opened = this.ask<Extract<ReceiverReply, { type: 'opened' }>>(member, request, `opened:${request.batch}`).then((reply) => {
        member.held += reply.handshakeMs.length;
        reply.handshakeMs.forEach((ms, k) => openMs.push(ms + (minted[(request.conns[k] as ConnectArgs).index] as number)));
        const now = monotonicMs();
        if (now - lastReport > 2_000) {
          lastReport = now;
          progress(this.count);
        }
      });
      inFlight.push(opened);
    };
    await eachLimited(count, OPEN_CONCURRENCY, async (i) => {
      const t0 = monotonicMs();
      const args = await target.connectArgs(i);
      minted[i] = monotonicMs() - t0;
      const p = i % this.members.length;
      const slot = pending[p] as { conns: ConnectArgs[] };
      slot.conns.push(args);
      if (slot.conns.length >= BATCH) flush(p);
    });
    this.members.forEach((_, p) => flush(p));
    await Promise.all(inFlight);
    return { seconds: (monotonicMs() - start) / 1000, openMs: openMs.values() };
  }

  /** Starts recording the frames tagged `tag` (sequence numbers below `total`). */
  async startRun(tag: string, total: number): Promise<void> {
    for (const m of this.members) m.delivered = 0;
    await Promise.all(this.members.map((m) => this.ask(m, { type: 'run', tag, total }, 'running')));
  }

  /** Ends the run: deliveries, the last one's time and every delivery's latency (send times by sequence number). */
  async stopRun(sentAt: Float64Array): Promise<{ delivered: number; last: number; latencies: Float64Array }> {
    const results = await Promise.all(
      this.members.map(async (m, p) => {
        const samplesFile = join(tmpdir(), `bench-receivers-${process.pid}-${p}.f64`);
        const reply = await this.ask<Extract<ReceiverReply, { type: 'result' }>>(
          m,
          { type: 'stop', sentAt: Array.from(sentAt), samplesFile },
          'result',
        );
        const bytes = readFileSync(samplesFile);
        rmSync(samplesFile, { force: true });
        return { ...reply, latencies: new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
      }),
    );
    const latencies = new Float64Array(results.reduce((sum, r) => sum + r.latencies.length, 0));
    let at = 0;
    for (const r of results) {
      latencies.set(r.latencies, at);
      at += r.latencies.length;
    }
    return { delivered: results.reduce((s, r) => s + r.delivered, 0), last: Math.max(0, ...results.map((r) => r.last)), latencies };
  }

  /** Closes every receiver and ends the processes. */
  async close(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (m.child.process.connected)
          await Promise.race([this.ask(m, { type: 'close' }, 'closed'), new Promise((r) => setTimeout(r, 20_000))]);
        await m.child.stop(2_000);
      }),
    );
  }
}
