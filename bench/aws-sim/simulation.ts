// One run of the capacity simulator: a room's messages fanned out by the fan-out code the AWS
// functions run (lambdas/core/fan-out.ts: the retries of core/delivery.ts, the shards of
// core/shards.ts through a modelled shard queue), through a @connections gateway, against the
// account model of account.ts; every figure comes from the ledger of what the gateway was asked.
import { LimitExceededException } from '@aws-sdk/client-apigatewaymanagementapi';
import { classifyPostError, createManagementApiGateway } from '../../lambdas/adapters/connection-gateway';
import { createCountingMetrics } from '../../lambdas/adapters/metrics';
import { DEFAULT_RETRY_POLICY, RetryClock } from '../../lambdas/core/delivery';
import type { Deps, FanOutSettings } from '../../lambdas/core/deps';
import { broadcast } from '../../lambdas/core/fan-out';
import { DEFAULT_SHARD_SIZE } from '../../lambdas/core/shards';
import { ConnectionGateway, MetricName, PostFailure, ShardDispatcher } from '../../lambdas/core/ports';
import { parseShard } from '../../lambdas/domain/shards';
import { DEFAULT_SHARD_THRESHOLD } from '../../lambdas/shared/config';
import type { ConnectionStore } from '../../lambdas/data/connections';
import type { Room } from '../../lambdas/domain/room';
import { logger } from '../../lambdas/shared/logger';
import { Latency, latency, round } from '../stats';
import {
  AccountLimits,
  DeliveryLedger,
  THROTTLED_LATENCY_MS,
  createAccount,
  messageFrame,
  messageSeqOf,
  viewerId,
  viewerIndexOf,
} from './account';
import { startConnectionsEmulator } from './connections-emulator';
import { simulatedShardQueue } from './shard-queue';
import { VirtualTime } from './virtual-time';

/** The functions' timeouts (lib/ivs-chat.ts): $default's is API Gateway's integration timeout, 29 s; the shard worker's 30 s. */
const DEFAULT_TIMEOUT_MS = 29_000;
const WORKER_TIMEOUT_MS = 30_000;
/**
 * Simulated time a run goes on after its last message is sent, by default. A fan-out that keeps up
 * has long finished by then (each delivery stops starting posts 8 s in); one whose shards queue up
 * faster than the budget lets them out would go on for minutes, and is cut here, its unfinished
 * messages reported as such.
 */
export const HORIZON_MS = 10_000;

export interface SimScenario {
  viewers: number;
  ratePerSecond: number;
  /** Simulated seconds of sending. */
  seconds: number;
  limits: AccountLimits;
  /** Rooms past IVSCHAT_SHARD_THRESHOLD go out in shards through the shard queue (the AWS default); false: one invocation per message. */
  sharded: boolean;
  /** Simulated time the run may go on after its last send (default HORIZON_MS). */
  horizonMs?: number;
}

export interface SimResult extends SimScenario {
  /** 'virtual': simulated time, the gateway a model; 'http': wall-clock time, the SDK adapter over HTTP to the emulator. */
  mode: 'virtual' | 'http';
  messages: number;
  offeredPerSecond: number;
  deliveredPerSecond: number;
  attempts: number;
  throttled: number;
  retried: number;
  /** Deliveries that never happened, of the messages whose fan-out had finished (all of them, unless `unfinished`). */
  lost: number;
  duplicates: number;
  /** Messages whose fan-out had not finished at the run's horizon: shards still queued or being worked (late, not lost). */
  unfinished: number;
  /**
   * What the fan-out code itself counted as dropped (its Dropped metric, logged once per fan-out),
   * from the invocations that finished: a timed-out one writes no metrics.
   */
  countedDropped: number;
  /** Dropped deliveries in the fan-out code's warnings ("fan-out dropped deliveries", one per delivery that dropped any). */
  loggedDropped: number;
  /** Invocations Lambda would have stopped at their timeout (their posts after it never happened). */
  timedOut: number;
  /** From a message's send to its last viewer's delivery, over the messages every viewer got. */
  reachAllMs: Latency;
  /** Messages some viewer never got. */
  incomplete: number;
  /** Lambda invocations running at once: the most, and the average from the first send to the last delivery. */
  concurrency: { peak: number; mean: number };
  /** Wall-clock seconds the run took. */
  wallSeconds: number;
}

interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Invocations in flight over time, and how many ran past their timeout. */
class Invocations {
  private inFlight = 0;
  peak = 0;
  timeouts = 0;
  private area = 0;
  private since = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Runs `work` as one Lambda invocation with the given timeout: counted while it runs (until its
   * timeout at most), told its deadline, and whether it ran past it.
   */
  async run<T>(timeoutMs: number, work: (deadline: number) => Promise<T>): Promise<{ value: T; timedOut: boolean }> {
    this.step(+1);
    const deadline = this.clock.now() + timeoutMs;
    let value: T;
    try {
      value = await work(deadline);
    } finally {
      this.step(-1, Math.min(this.clock.now(), deadline));
    }
    const timedOut = this.clock.now() >= deadline;
    if (timedOut) this.timeouts++;
    return { value, timedOut };
  }

  mean(from: number, to: number): number {
    this.step(0);
    return to > from ? this.area / (to - from) : 0;
  }

  /** Adds `delta` invocations at the current time; one that ended at its timeout, earlier, is taken off the area since. */
  private step(delta: number, at = this.clock.now()) {
    const t = this.clock.now();
    this.area += this.inFlight * (t - this.since) + (delta < 0 ? delta * (t - at) : 0);
    this.since = t;
    this.inFlight += delta;
    this.peak = Math.max(this.peak, this.inFlight);
  }
}

/**
 * The account model as a ConnectionGateway on simulated time, answering as the SDK adapter does
 * against API Gateway: true (200), false (Gone), or for a throttled post the SDK's own
 * LimitExceededException (429) classified by the adapter's classifyPostError.
 */
function modelGateway(clock: Clock, limits: AccountLimits, viewers: number, ledger: DeliveryLedger): ConnectionGateway {
  const account = createAccount(limits, () => clock.now());
  return {
    post: async (connectionId, frame) => {
      const seq = messageSeqOf(frame);
      const viewer = viewerIndexOf(connectionId);
      if (!account.admit()) {
        await clock.sleep(THROTTLED_LATENCY_MS);
        ledger.record(seq, viewer, 'throttled', clock.now());
        const err = new LimitExceededException({ $metadata: { httpStatusCode: 429 }, message: 'Limit Exceeded' });
        throw new PostFailure(classifyPostError(err) as 'throttled', `PostToConnection failed: ${err.name}`, { cause: err });
      }
      await clock.sleep(limits.postLatencyMs);
      const inRoom = viewer >= 0 && viewer < viewers;
      // A post in flight when the function timed out still reaches API Gateway, which delivers it.
      ledger.record(seq, viewer, inRoom ? 'delivered' : 'gone', clock.now());
      return inRoom;
    },
    disconnect: async () => undefined,
  };
}

/**
 * What one invocation sees past its deadline, where Lambda would have stopped it: no post leaves,
 * and its clock reads "past every deadline", so the fan-out code gives up at once instead of
 * retrying (its account of it is never written: the invocation publishes no metrics).
 */
function untilDeadline(gateway: ConnectionGateway, clock: RetryClock, deadline: number): { gateway: ConnectionGateway; clock: RetryClock } {
  const over = () => clock.now() >= deadline;
  return {
    gateway: {
      post: (id, frame) => (over() ? Promise.reject(new PostFailure('network', 'the function timed out')) : gateway.post(id, frame)),
      disconnect: (id) => gateway.disconnect(id),
    },
    clock: { now: () => (over() ? Infinity : clock.now()), sleep: clock.sleep, random: clock.random },
  };
}

/** The room's connection records, as the fan-out reads them: every viewer, one query. */
function roomConnections(viewers: number): ConnectionStore {
  const ids = Array.from({ length: viewers }, (_, i) => viewerId(i));
  const unused = () => Promise.reject(new Error('not used by a fan-out'));
  return { idsInRoom: async () => ids, remove: async () => undefined, put: unused, get: unused, idsOfUser: unused, expired: unused };
}

const ROOM: Room = {
  id: 'simRoom00001',
  arn: 'arn:aws:ivschat:us-east-1:000000000000:room/simRoom00001',
  name: 'capacity-simulator',
  createTime: new Date(0).toISOString(),
  updateTime: new Date(0).toISOString(),
  maximumMessageRatePerSecond: 100,
  maximumMessageLength: 500,
  loggingConfigurationIdentifiers: [],
  tags: {},
};

/**
 * Sends `seconds x ratePerSecond` messages, evenly paced, each fanned out by its own $default
 * invocation with the code the functions run (big rooms' shards then by shard-worker invocations),
 * and waits until every fan-out has finished, or the horizon has passed.
 */
async function drive(
  clock: Clock,
  scenario: SimScenario,
  run: { ledger: DeliveryLedger; gateway: ConnectionGateway },
  settle: (work: Promise<void>, until: number) => Promise<unknown>,
): Promise<Omit<SimResult, 'mode' | 'wallSeconds'>> {
  const { ledger, gateway } = run;
  const invocations = new Invocations(clock);
  const messages = ledger.messages;
  const published = createCountingMetrics();
  const retryClock: RetryClock = {
    now: clock.now,
    sleep: clock.sleep,
    random: seededRandom(scenario.viewers * 31 + scenario.ratePerSecond),
  };
  const base = {
    idClock: { now: () => new Date(clock.now()), newId: () => 'simulatedId0' },
    connections: roomConnections(scenario.viewers),
    chatLog: { record: async () => undefined, flush: async () => undefined },
  };
  /** One invocation: its own deps (its deadline, its metrics, published only if it finished in time). */
  const invoke = async <T>(timeoutMs: number, work: (deps: Deps) => Promise<T>): Promise<T> => {
    const { value } = await invocations.run(timeoutMs, async (deadline) => {
      const metrics = createCountingMetrics();
      const bounded = untilDeadline(gateway, retryClock, deadline);
      const fanOut: FanOutSettings = {
        policy: DEFAULT_RETRY_POLICY,
        clock: bounded.clock,
        shardThreshold: DEFAULT_SHARD_THRESHOLD,
        shardSize: DEFAULT_SHARD_SIZE,
        ...(scenario.sharded ? { dispatcher } : {}),
      };
      const deps = { ...base, gateway: bounded.gateway, metrics, fanOut } satisfies Partial<Deps> as unknown as Deps;
      const result = await work(deps);
      if (clock.now() < deadline) for (const [name, n] of Object.entries(metrics.totals)) published.count(name as MetricName, n);
      return result;
    });
    return value;
  };
  // The fan-out's log lines, read rather than printed: a run may write thousands.
  let loggedDropped = 0;
  const quiet = silenceLogger((message, fields) => {
    if (message === 'fan-out dropped deliveries') loggedDropped += Number(fields?.dropped ?? 0);
  });
  // Per message: its $default invocation and each of its shards, until they have finished.
  const outstanding = new Int32Array(messages);
  const track = (m: number, delta: number) => {
    if (m >= 0 && m < messages) outstanding[m] = (outstanding[m] as number) + delta;
  };
  const queue = simulatedShardQueue({
    sleep: clock.sleep,
    invoke: (work) => invoke(WORKER_TIMEOUT_MS, work),
    worked: (queued) => track(messageSeqOf(parseShard(queued.body)?.frame ?? ''), -1),
  });
  const dispatcher: ShardDispatcher = {
    dispatch: (shards) => {
      for (const shard of shards) track(messageSeqOf(shard.frame), +1);
      return queue.dispatch(shards);
    },
  };
  const sentAt = new Float64Array(messages);
  const start = clock.now();
  const sendingMs = (messages * 1000) / scenario.ratePerSecond;
  const work = (async () => {
    const fanOuts: Promise<void>[] = [];
    for (let m = 0; m < messages; m++) {
      const due = start + (m * 1000) / scenario.ratePerSecond;
      if (due > clock.now()) await clock.sleep(due - clock.now());
      sentAt[m] = clock.now();
      track(m, +1);
      fanOuts.push(invoke(DEFAULT_TIMEOUT_MS, (deps) => broadcast(deps, ROOM, messageFrame(m))).then(() => track(m, -1)));
    }
    await Promise.all(fanOuts);
    await queue.drained();
  })();
  try {
    await settle(work, start + sendingMs + (scenario.horizonMs ?? HORIZON_MS));
  } finally {
    quiet.restore();
  }
  const s = ledger.summary();
  const finished = Array.from({ length: messages }, (_, m) => m).filter((m) => outstanding[m] === 0);
  const reach = Array.from(s.completedAt, (at, m) => at - (sentAt[m] as number)).filter((ms) => Number.isFinite(ms));
  const end = Number.isFinite(s.lastDeliveryAt) ? s.lastDeliveryAt : clock.now();
  // Deliveries per second over the second half of the sending window, in whole message periods: by
  // then a fan-out that keeps up delivers what is offered, and one that falls behind shows it (the
  // first half fills the pipe).
  const periodMs = 1000 / scenario.ratePerSecond;
  const from = start + Math.floor(messages / 2) * periodMs;
  const steady = ledger.deliveredBetween(from, start + sendingMs) / ((start + sendingMs - from) / 1000);
  return {
    ...scenario,
    messages,
    offeredPerSecond: scenario.viewers * scenario.ratePerSecond,
    deliveredPerSecond: Math.round(steady),
    attempts: s.attempts,
    throttled: s.throttled,
    retried: s.retried,
    lost: finished.reduce((sum, m) => sum + scenario.viewers - ledger.deliveredOf(m), 0),
    duplicates: s.duplicates,
    unfinished: messages - finished.length,
    countedDropped: published.totals.Dropped,
    loggedDropped,
    timedOut: invocations.timeouts,
    reachAllMs: latency(reach),
    incomplete: messages - reach.length,
    concurrency: { peak: invocations.peak, mean: round(invocations.mean(start, end), 1) },
  };
}

const ledgerFor = (scenario: SimScenario) =>
  new DeliveryLedger(scenario.viewers, Math.max(1, Math.round(scenario.seconds * scenario.ratePerSecond)));

/** A run on simulated time: the fan-out code against the account model, as fast as the CPU allows. */
export async function simulate(scenario: SimScenario): Promise<SimResult> {
  const wallStart = performance.now();
  const time = new VirtualTime();
  const ledger = ledgerFor(scenario);
  const gateway = modelGateway(time, scenario.limits, scenario.viewers, ledger);
  // Stack traces are no part of what is simulated, and capturing one for each of a run's hundreds
  // of thousands of throttled posts (the SDK's exception, then the adapter's) was a third of its CPU.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const result = await drive(time, scenario, { ledger, gateway }, (work, until) => time.run(work, until));
    return { mode: 'virtual', ...result, wallSeconds: round((performance.now() - wallStart) / 1000, 1) };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * A run on the wall clock through the SDK adapter the functions use (createManagementApiGateway),
 * over HTTP to the @connections emulator: the wire check of the model, at a size one process can post.
 */
export async function simulateOverHttp(scenario: SimScenario): Promise<SimResult> {
  const wallStart = performance.now();
  const clock: Clock = { now: () => performance.now() - wallStart, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const ledger = ledgerFor(scenario);
  const emulator = await startConnectionsEmulator({ limits: scenario.limits, viewers: scenario.viewers, ledger, now: clock.now });
  try {
    const gateway = createManagementApiGateway({ endpoint: emulator.endpoint, region: 'us-east-1' });
    const result = await drive(clock, scenario, { ledger, gateway }, (work) => work);
    return { mode: 'http', ...result, wallSeconds: round((performance.now() - wallStart) / 1000, 1) };
  } finally {
    await emulator.close();
  }
}

/** mulberry32: the retries' jitter, the same from run to run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Routes the functions' logger to `seen` instead of stdout until restored. */
function silenceLogger(seen: (message: string, fields?: Record<string, unknown>) => void): { restore(): void } {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const saved = levels.map((level) => logger[level]);
  for (const level of levels) {
    logger[level] = ((message: string, fields?: Record<string, unknown>) => seen(message, fields)) as (typeof logger)[typeof level];
  }
  return {
    restore: () => {
      levels.forEach((level, i) => (logger[level] = saved[i] as (typeof logger)[typeof level]));
    },
  };
}
