import type { IvschatClient } from '@aws-sdk/client-ivschat';
import { performance } from 'node:perf_hooks';
import { createRoom, mintToken, rawClient, sleep, waitFor } from './chat';

/** What a bystander room saw over one stretch: send-to-receipt latency and messages that never came. */
export interface BystanderStretch {
  sent: number;
  lost: number;
  /** Milliseconds, nearest rank (NaN when nothing arrived). */
  p50: number;
  p99: number;
}

export interface Bystander {
  /** Sends one message every 50 ms for `ms`, then waits (up to 10 s) for the last ones. */
  measure(ms: number): Promise<BystanderStretch>;
  close(): void;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/**
 * A room that minds its own business while someone else abuses the server: one sender, one
 * receiver; the latency of each message from send to receipt tells how much the abuse costs others.
 */
export async function bystander(wsUrl: string, client: IvschatClient): Promise<Bystander> {
  const room = await createRoom(client, { maximumMessageRatePerSecond: 100 });
  const sender = await rawClient(wsUrl, (await mintToken(client, room.arn, { userId: 'talker', capabilities: ['SEND_MESSAGE'] })).token!);
  const receiver = await rawClient(wsUrl, (await mintToken(client, room.arn, { userId: 'listener' })).token!);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  receiver.socket.on('message', (data) => {
    const id = (JSON.parse(data.toString()) as { RequestId?: string }).RequestId;
    const at = id === undefined ? undefined : sentAt.get(id);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  let seq = 0;
  const measure = async (ms: number): Promise<BystanderStretch> => {
    latencies.length = 0;
    sentAt.clear();
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const id = `b-${seq++}`;
      sentAt.set(id, performance.now());
      sender.send({ Action: 'SEND_MESSAGE', RequestId: id, Content: 'ping' });
      await sleep(50);
    }
    await waitFor('the last bystander message', () => latencies.length === sentAt.size, 10_000).catch(() => undefined);
    const sorted = [...latencies].sort((a, b) => a - b);
    return { sent: sentAt.size, lost: sentAt.size - latencies.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  };
  return {
    measure,
    close: () => {
      sender.socket.close();
      receiver.socket.close();
    },
  };
}
