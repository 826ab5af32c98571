import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { cpuMeter, sleep } from './processes';
import { Latency, Samples, latency, round } from './stats';

export interface FanoutResult {
  receivers: number;
  ratePerSecond: number;
  seconds: number;
  sent: number;
  /** Messages the service refused (an ERROR frame to the sender, e.g. 429 over the room's rate). */
  refused: number;
  refusedCodes: Record<string, number>;
  /** Deliveries to the receivers (the sender's own copy is not counted). */
  delivered: number;
  /** Deliveries that never came: (sent - refused) x receivers - delivered. */
  lost: number;
  /** Deliveries per second, from the first send to the last delivery. */
  deliveredPerSecond: number;
  /** Send -> receive, over every delivery. */
  latencyMs: Latency;
  /** Average cores the server process used from the first send to the end of the drain. */
  serverCores: number;
  /** The same for this process, where the sender and every receiver run. */
  clientCores: number;
  /** The same for everything else on the machine (other work on it skews a run). */
  otherCores: number;
  /** Server CPU time per delivery, in microseconds: the cost, less sensitive to other load than rates. */
  serverMicrosPerDelivery: number;
}

/** 64 characters of content, a typical chat line. */
const PADDING = 'lorem ipsum dolor sit amet, consectetur adipiscing elit sed do';

/**
 * One sender paced at `ratePerSecond` for `seconds`; every receiver records each message's arrival.
 * Messages carry `<tag>:<seq>` as RequestId, which the MESSAGE frame echoes, so a receiver finds
 * the sequence number without parsing the frame and frames of an earlier run are ignored.
 */
export async function fanoutRun(options: {
  sender: WebSocket;
  receivers: readonly WebSocket[];
  ratePerSecond: number;
  seconds: number;
  tag: string;
  serverPid: number;
  drainMs?: number;
  progress?: (line: string) => void;
}): Promise<FanoutResult> {
  const { sender, receivers, ratePerSecond, seconds, tag } = options;
  const total = Math.round(ratePerSecond * seconds);
  const n = receivers.length;
  const sentAt = new Float64Array(total);
  const received = new Uint32Array(total);
  const settled = new Uint8Array(total);
  const samples = new Samples();
  const refusedCodes: Record<string, number> = {};
  let refused = 0;
  let delivered = 0;
  let complete = 0;
  let lastDelivery = 0;
  const key = Buffer.from(`"RequestId":"${tag}:`);
  const seqOf = (frame: Buffer): number => {
    const at = frame.indexOf(key);
    if (at < 0) return -1;
    let seq = 0;
    for (let i = at + key.length; i < frame.length; i++) {
      const c = frame[i] as number;
      if (c < 48 || c > 57) break;
      seq = seq * 10 + (c - 48);
    }
    return seq < total ? seq : -1;
  };
  const settle = (seq: number) => {
    if (!settled[seq]) {
      settled[seq] = 1;
      complete += 1;
    }
  };
  const onReceive = (data: WebSocket.RawData) => {
    const now = performance.now();
    const seq = seqOf(data as Buffer);
    if (seq < 0) return;
    delivered += 1;
    lastDelivery = now;
    samples.push(now - (sentAt[seq] as number));
    if (++(received[seq] as number) === n) settle(seq);
  };
  const errorCode = /"ErrorCode":(\d+)/;
  const onSenderFrame = (data: WebSocket.RawData) => {
    const frame = data as Buffer;
    if (frame.indexOf('"Type":"ERROR"') < 0) return;
    const seq = seqOf(frame);
    if (seq < 0) return;
    const code = errorCode.exec(frame.toString())?.[1] ?? '?';
    refusedCodes[code] = (refusedCodes[code] ?? 0) + 1;
    refused += 1;
    settle(seq);
  };
  for (const r of receivers) r.on('message', onReceive);
  sender.on('message', onSenderFrame);

  // Start 5 ms after a wall-clock second, so each second of the room's rate window gets `rate` sends.
  await sleep((1005 - (Date.now() % 1000)) % 1000);
  const meter = cpuMeter(options.serverPid);
  const interval = 1000 / ratePerSecond;
  const t0 = performance.now();
  let seq = 0;
  let lastProgress = t0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (seq < total && t0 + seq * interval <= now) {
        sentAt[seq] = performance.now();
        sender.send(
          JSON.stringify({
            Action: 'SEND_MESSAGE',
            RequestId: `${tag}:${seq}`,
            Content: `${seq} ${PADDING}`,
            Attributes: { seq: String(seq) },
          }),
        );
        seq += 1;
      }
      if (now - lastProgress >= 2_500) {
        lastProgress = now;
        options.progress?.(`sent ${seq}/${total}, delivered ${delivered}/${seq * n}`);
      }
      if (seq >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + seq * interval - performance.now()));
    };
    tick();
  });
  const drainUntil = performance.now() + (options.drainMs ?? 10_000);
  while (complete < total && performance.now() < drainUntil) await sleep(20);
  const cpu = meter();
  for (const r of receivers) r.off('message', onReceive);
  sender.off('message', onSenderFrame);

  const span = (lastDelivery - t0) / 1000;
  return {
    receivers: n,
    ratePerSecond,
    seconds,
    sent: total,
    refused,
    refusedCodes,
    delivered,
    lost: (total - refused) * n - delivered,
    deliveredPerSecond: span > 0 ? round(delivered / span, 0) : 0,
    latencyMs: latency(samples.values()),
    serverCores: round(cpu.server / cpu.seconds, 2),
    clientCores: round(cpu.client / cpu.seconds, 2),
    otherCores: round(cpu.other / cpu.seconds, 2),
    serverMicrosPerDelivery: delivered > 0 ? round((cpu.server / delivered) * 1e6, 1) : NaN,
  };
}
