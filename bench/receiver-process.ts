import { writeFileSync } from 'node:fs';
import type WebSocket from 'ws';
import { closeAll, openSocket } from './clients';
import { Samples } from './stats';
import { frameSeq, monotonicMs, seqKey } from './wire';
import type { ReceiverReply, ReceiverRequest } from './receivers';

/**
 * One of the fan-out's receiver processes (bench/receivers.ts): it holds its share of a room's
 * receivers and records each MESSAGE's arrival, so that reading the frames of a large room is spread
 * over several processes and the receiving side is not what a run measures. The same for the bare
 * baseline and the service.
 */
const sockets: WebSocket[] = [];
let run:
  { key: Buffer; total: number; seqs: Samples; arrivals: Samples; delivered: number; last: number; timer: NodeJS.Timeout } | undefined;

/** Handshakes in flight over every batch being opened. */
const slots = (() => {
  let used = 0;
  const queue: (() => void)[] = [];
  return {
    take: async (limit: number) => {
      while (used >= limit) await new Promise<void>((resolve) => queue.push(resolve));
      used += 1;
    },
    give: () => {
      used -= 1;
      queue.shift()?.();
    },
  };
})();

const reply = (message: ReceiverReply): void => {
  process.send?.(message);
};

const onMessage = (data: WebSocket.RawData) => {
  if (!run) return;
  const now = monotonicMs();
  const seq = frameSeq(data as Buffer, run.key, run.total);
  if (seq < 0) return;
  run.delivered += 1;
  run.last = now;
  run.seqs.push(seq);
  run.arrivals.push(now);
};

process.on('message', (request: ReceiverRequest) => {
  void handle(request).catch((err: unknown) => reply({ type: 'error', message: (err as Error).message }));
});

async function handle(request: ReceiverRequest): Promise<void> {
  switch (request.type) {
    case 'open': {
      const { conns, batch, concurrency } = request;
      const handshakeMs = await Promise.all(
        conns.map(async (c) => {
          await slots.take(concurrency);
          try {
            const t0 = monotonicMs();
            const socket = await openSocket(c.url, c.protocol, c.index);
            socket.on('message', onMessage);
            sockets.push(socket);
            return monotonicMs() - t0;
          } finally {
            slots.give();
          }
        }),
      );
      return reply({ type: 'opened', batch, handshakeMs });
    }
    case 'run': {
      const timer = setInterval(() => reply({ type: 'progress', delivered: run?.delivered ?? 0 }), 100);
      run = { key: seqKey(request.tag), total: request.total, seqs: new Samples(), arrivals: new Samples(), delivered: 0, last: 0, timer };
      return reply({ type: 'running' });
    }
    case 'stop': {
      if (!run) return reply({ type: 'error', message: 'stop without a run' });
      const { seqs, arrivals, delivered, last, timer } = run;
      clearInterval(timer);
      run = undefined;
      // Send -> receive of every delivery, on the clock all the bench's processes share.
      const s = seqs.values();
      const a = arrivals.values();
      const latencies = new Float64Array(s.length);
      for (let k = 0; k < s.length; k++) latencies[k] = (a[k] as number) - (request.sentAt[s[k] as number] as number);
      writeFileSync(request.samplesFile, latencies);
      return reply({ type: 'result', delivered, last });
    }
    case 'close':
      await closeAll(sockets, 15_000);
      reply({ type: 'closed' });
      return process.exit(0);
  }
}

process.on('disconnect', () => process.exit(0));
// The pool reads this line from stdout (spawnTs), as it does the servers'.
console.log('receivers ready');
