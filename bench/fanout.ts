import type WebSocket from 'ws';
import { cpuMeter, sleep } from './processes';
import type { ReceiverPool } from './receivers';
import { Latency, latency, round } from './stats';
import { frameSeq, monotonicMs, seqKey } from './wire';

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
  /** The same for the clients: this process (the sender) and the receiver processes. */
  clientCores: number;
  /** The same for everything else on the machine (other work on it skews a run). */
  otherCores: number;
  /** Server CPU time per delivery, in microseconds: the cost, less sensitive to other load than rates. */
  serverMicrosPerDelivery: number;
}

/** 64 characters of content, a typical chat line. */
const PADDING = 'lorem ipsum dolor sit amet, consectetur adipiscing elit sed do';

/**
 * One sender paced at `ratePerSecond` for `seconds`; every receiver (in the receiver processes)
 * records each message's arrival. Messages carry `<tag>:<seq>` as RequestId, which the MESSAGE
 * frame echoes, so a receiver finds the sequence number without parsing the frame and frames of an
 * earlier run are ignored.
 */
export async function fanoutRun(options: {
  sender: WebSocket;
  receivers: ReceiverPool;
  ratePerSecond: number;
  seconds: number;
  tag: string;
  serverPid: number;
  drainMs?: number;
  progress?: (line: string) => void;
}): Promise<FanoutResult> {
  const { sender, receivers, ratePerSecond, seconds, tag } = options;
  const total = Math.round(ratePerSecond * seconds);
  const n = receivers.count;
  const sentAt = new Float64Array(total);
  const refusedCodes: Record<string, number> = {};
  let refused = 0;
  const key = seqKey(tag);
  const errorCode = /"ErrorCode":(\d+)/;
  const onSenderFrame = (data: WebSocket.RawData) => {
    const frame = data as Buffer;
    if (frame.indexOf('"Type":"ERROR"') < 0) return;
    if (frameSeq(frame, key, total) < 0) return;
    const code = errorCode.exec(frame.toString())?.[1] ?? '?';
    refusedCodes[code] = (refusedCodes[code] ?? 0) + 1;
    refused += 1;
  };
  await receivers.startRun(tag, total);
  sender.on('message', onSenderFrame);

  // Start 5 ms after a wall-clock second, so each second of the room's rate window gets `rate` sends.
  await sleep((1005 - (Date.now() % 1000)) % 1000);
  const meter = cpuMeter(options.serverPid, receivers.pids);
  const interval = 1000 / ratePerSecond;
  const t0 = monotonicMs();
  let seq = 0;
  let lastProgress = t0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = monotonicMs();
      while (seq < total && t0 + seq * interval <= now) {
        sentAt[seq] = monotonicMs();
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
        options.progress?.(`sent ${seq}/${total}, delivered ${receivers.delivered()}/${seq * n}`);
      }
      if (seq >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + seq * interval - monotonicMs()));
    };
    tick();
  });
  // Every delivery that can come: the receiver processes report their counts every 100 ms.
  const drainUntil = monotonicMs() + (options.drainMs ?? 10_000);
  while (receivers.delivered() < (total - refused) * n && monotonicMs() < drainUntil) await sleep(20);
  const cpu = meter();
  sender.off('message', onSenderFrame);
  const { delivered, last, latencies } = await receivers.stopRun(sentAt);

  const span = (last - t0) / 1000;
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
    latencyMs: latency(latencies),
    serverCores: round(cpu.server / cpu.seconds, 2),
    clientCores: round(cpu.client / cpu.seconds, 2),
    otherCores: round(cpu.other / cpu.seconds, 2),
    serverMicrosPerDelivery: delivered > 0 ? round((cpu.server / delivered) * 1e6, 1) : NaN,
  };
}
