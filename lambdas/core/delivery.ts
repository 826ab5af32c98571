// Delivery of one frame to a list of connections: bounded parallel posts (or one synchronous loop
// where the gateway can post at once, as local mode's does), every failure but Gone retried with
// exponential backoff and full jitter until a deadline, and an account of what happened.
// Pure over its ports (gateway, clock): the Lambda handlers, local mode and the capacity simulator
// (bench/) run this same code.
import { ConnectionGateway, POST_FAILURE_KINDS, PostFailureKind, postFailureKindOf } from './ports';

/** Posts in flight per delivery: enough to hide latency, few enough not to swamp the gateway. */
export const FAN_OUT_PARALLELISM = 32;

export interface RetryPolicy {
  /** Ceiling of the first retry's wait; each further retry doubles it. */
  baseDelayMs: number;
  /** Ceiling no wait exceeds, however many retries came before. */
  maxDelayMs: number;
  /** Retries per post at most, so that a gateway failing instantly cannot spin until the deadline. */
  maxRetries: number;
  /**
   * From the start of the delivery: a retry that would start later is not made and the post is
   * dropped. A post started before it may still take its own timeout (3 s on AWS) to settle.
   */
  deadlineMs: number;
}

/**
 * Room for ten doublings from 25 ms, capped at 1 s, within 8 s: past API Gateway's 1-second
 * throttle window many times over, and well inside the 29 s the $default function has (its first
 * posts to a room of the shard threshold take ~1.5 s at 32 in flight and 20 ms each).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 25, maxDelayMs: 1_000, maxRetries: 10, deadlineMs: 8_000 };

/** Time and chance, injected so that tests and the simulator control them. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const systemRetryClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/**
 * Full jitter (the AWS Architecture Blog's "Exponential Backoff And Jitter"): uniform between 0 and
 * min(max, base * 2^retry), so that posters throttled together do not come back together.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random * ceiling);
}

/**
 * The wait before retry number `retry` (0 for the first) of a post that just failed, or undefined
 * when none is left: the retries are used up, or the retry would start past the deadline.
 */
export function nextRetryWait(policy: RetryPolicy, retry: number, elapsedMs: number, random: number): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  const wait = backoffMs(policy, retry, random);
  return elapsedMs + wait > policy.deadlineMs ? undefined : wait;
}

/** Why a frame did not reach a connection: its last post's failure, or the deadline before it was tried at all. */
export type DropReason = PostFailureKind | 'deadline';
const DROP_REASONS: readonly DropReason[] = [...POST_FAILURE_KINDS, 'deadline'];

/** What one delivery did, for its log line and its metrics. */
export interface DeliveryReport {
  /** Frames that reached their connection. */
  delivered: number;
  /** Connections the gateway reported gone (their records are stale; their later frames are not sent). */
  gone: string[];
  /** 429 answers, first attempts and retries alike. */
  throttled: number;
  /** Retries made. */
  retried: number;
  /** Frames that never reached their connection, one entry each, with the reason. */
  dropped: { connectionId: string; reason: DropReason }[];
}

export interface DeliveryOptions {
  policy: RetryPolicy;
  clock: RetryClock;
  parallelism?: number;
}

/** Frames for one connection, to be posted in this order. */
export interface ConnectionFrames {
  connectionId: string;
  frames: readonly string[];
}

/**
 * Sends `frame` to each of `connectionIds` once: `parallelism` posts in flight, a failed post
 * retried (holding its slot while it waits, so a throttled account also gets fewer posts at once)
 * until it succeeds, is gone, or its retries or the deadline run out. No post starts after the
 * deadline, so a delivery ends within it plus one post's timeout, however big the list. Never
 * rejects: every connection ends in exactly one of delivered, gone or dropped.
 */
export function deliverFrame(
  gateway: ConnectionGateway,
  connectionIds: readonly string[],
  frame: string,
  options: DeliveryOptions,
): Promise<DeliveryReport> {
  return deliverInOrder(
    gateway,
    connectionIds.map((connectionId) => ({ connectionId, frames: [frame] })),
    options,
  );
}

/**
 * deliverFrame for several frames per connection (a shard worker's batch of one queue group): each
 * connection gets its frames one after another in the given order, connections in parallel. A
 * dropped frame does not hold back the next one; a gone connection gets nothing more.
 */
export async function deliverInOrder(
  gateway: ConnectionGateway,
  deliveries: readonly ConnectionFrames[],
  options: DeliveryOptions,
): Promise<DeliveryReport> {
  const { policy, clock } = options;
  const startedAt = clock.now();
  const report: DeliveryReport = { delivered: 0, gone: [], throttled: 0, retried: 0, dropped: [] };
  // A gateway that answers at once takes every frame in one loop; what it could not take (a throw)
  // goes the usual way below, from the frame that failed, with its retries.
  const pending = gateway.postNow ? postAllNow(gateway.postNow.bind(gateway), deliveries, report) : deliveries;
  /** One frame to one connection, with its retries: whether the connection is still there. */
  const post = async (connectionId: string, frame: string): Promise<boolean> => {
    if (clock.now() - startedAt > policy.deadlineMs) {
      report.dropped.push({ connectionId, reason: 'deadline' });
      return true;
    }
    for (let retry = 0; ; retry++) {
      let kind: PostFailureKind;
      try {
        if (!(await gateway.post(connectionId, frame))) return false;
        report.delivered++;
        return true;
      } catch (err) {
        kind = postFailureKindOf(err);
      }
      if (kind === 'throttled') report.throttled++;
      const wait = nextRetryWait(policy, retry, clock.now() - startedAt, clock.random());
      if (wait === undefined) {
        report.dropped.push({ connectionId, reason: kind });
        return true;
      }
      report.retried++;
      await clock.sleep(wait);
    }
  };
  await eachLimited(pending, options.parallelism ?? FAN_OUT_PARALLELISM, async ({ connectionId, frames }) => {
    for (const frame of frames) {
      if (!(await post(connectionId, frame))) {
        report.gone.push(connectionId);
        return;
      }
    }
  });
  return report;
}

/**
 * Posts every frame through `postNow`, counting what was delivered and who is gone; returns each
 * connection whose post threw, with its frames from the one that failed.
 */
function postAllNow(
  postNow: (connectionId: string, frame: string) => boolean,
  deliveries: readonly ConnectionFrames[],
  report: DeliveryReport,
): ConnectionFrames[] {
  const failed: ConnectionFrames[] = [];
  for (const { connectionId, frames } of deliveries) {
    for (let i = 0; i < frames.length; i++) {
      let sent: boolean;
      try {
        sent = postNow(connectionId, frames[i] as string);
      } catch {
        failed.push({ connectionId, frames: frames.slice(i) });
        break;
      }
      if (!sent) {
        report.gone.push(connectionId);
        break;
      }
      report.delivered++;
    }
  }
  return failed;
}

/** The dropped frames by reason, for a log line. */
export function droppedByReason(report: DeliveryReport): Partial<Record<DropReason, number>> {
  const counts: Partial<Record<DropReason, number>> = {};
  for (const reason of DROP_REASONS) {
    const n = report.dropped.filter((d) => d.reason === reason).length;
    if (n > 0) counts[reason] = n;
  }
  return counts;
}

/** Runs `run` over `items` with at most `limit` in flight. */
export async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
