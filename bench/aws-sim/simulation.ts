// One run of the capacity simulator: a room's messages fanned out by the fan-out code the AWS
// functions run (lambdas/core/fan-out.ts), through a @connections gateway, against the account
// model of account.ts; every figure comes from the ledger of what the gateway was asked.
import { AsyncLocalStorage } from 'node:async_hooks';
import { LimitExceededException } from '@aws-sdk/client-apigatewaymanagementapi';
import { createManagementApiGateway } from '../../lambdas/adapters/connection-gateway';
import type { Deps } from '../../lambdas/core/deps';
import { broadcast } from '../../lambdas/core/fan-out';
import type { ConnectionGateway } from '../../lambdas/core/ports';
import type { ConnectionStore } from '../../lambdas/data/connections';
import type { Room } from '../../lambdas/domain/room';
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
import { VirtualTime } from './virtual-time';

/** Lambda's limit on one invocation; API Gateway's integration timeout (29 s) is the $default route's. */
export const LAMBDA_TIMEOUT_MS = 29_000;

export interface SimScenario {
  viewers: number;
  ratePerSecond: number;
  /** Simulated seconds of sending. */
  seconds: number;
  limits: AccountLimits;
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
  lost: number;
  duplicates: number;
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

/** Invocations in flight over time, and the timeout each one has. */
class Invocations {
  private inFlight = 0;
  peak = 0;
  private area = 0;
  private since = 0;
  private readonly current = new AsyncLocalStorage<{ deadline: number }>();

  constructor(private readonly clock: Clock) {}

  /** Runs `work` as one Lambda invocation: counted while it runs, its posts refused past its timeout. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.step(+1);
    try {
      return await this.current.run({ deadline: this.clock.now() + LAMBDA_TIMEOUT_MS }, work);
    } finally {
      this.step(-1);
    }
  }

  /** True when the invocation calling has passed its timeout (Lambda would have stopped it). */
  timedOut(): boolean {
    const deadline = this.current.getStore()?.deadline;
    return deadline !== undefined && this.clock.now() >= deadline;
  }

  mean(from: number, to: number): number {
    this.step(0);
    return to > from ? this.area / (to - from) : 0;
  }

  private step(delta: number) {
    const t = this.clock.now();
    this.area += this.inFlight * (t - this.since);
    this.since = t;
    this.inFlight += delta;
    this.peak = Math.max(this.peak, this.inFlight);
  }
}

/** An error as Lambda's runtime would end the invocation with; nothing reaches API Gateway. */
class InvocationTimedOut extends Error {
  override readonly name = 'InvocationTimedOut';
}

/**
 * The account model as a ConnectionGateway on simulated time, answering as the SDK adapter does
 * against API Gateway: true (200), false (Gone), or a rejection with the SDK's own
 * LimitExceededException (429) for a throttled post.
 */
function modelGateway(
  clock: Clock,
  limits: AccountLimits,
  viewers: number,
  ledger: DeliveryLedger,
  invocations: Invocations,
): ConnectionGateway {
  const account = createAccount(limits, () => clock.now());
  return {
    post: async (connectionId, frame) => {
      if (invocations.timedOut()) throw new InvocationTimedOut('the function timed out');
      const seq = messageSeqOf(frame);
      const viewer = viewerIndexOf(connectionId);
      if (!account.admit()) {
        await clock.sleep(THROTTLED_LATENCY_MS);
        ledger.record(seq, viewer, 'throttled', clock.now());
        throw new LimitExceededException({ $metadata: { httpStatusCode: 429 }, message: 'Limit Exceeded' });
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
 * invocation with the code the functions run, and waits until every fan-out has finished.
 */
async function drive(
  clock: Clock,
  scenario: SimScenario,
  run: { ledger: DeliveryLedger; invocations: Invocations; gateway: ConnectionGateway },
  settle: (work: Promise<void>) => Promise<void>,
): Promise<Omit<SimResult, 'mode' | 'wallSeconds'>> {
  const { ledger, invocations, gateway } = run;
  const messages = ledger.messages;
  const deps = {
    idClock: { now: () => new Date(clock.now()), newId: () => 'simulatedId0' },
    connections: roomConnections(scenario.viewers),
    gateway,
    chatLog: { record: async () => undefined, flush: async () => undefined },
  } as unknown as Deps;
  const sentAt = new Float64Array(messages);
  const start = clock.now();
  const work = (async () => {
    const fanOuts: Promise<void>[] = [];
    for (let m = 0; m < messages; m++) {
      const due = start + (m * 1000) / scenario.ratePerSecond;
      if (due > clock.now()) await clock.sleep(due - clock.now());
      sentAt[m] = clock.now();
      fanOuts.push(invocations.run(() => broadcast(deps, ROOM, messageFrame(m))));
    }
    await Promise.all(fanOuts);
  })();
  await settle(work);
  const s = ledger.summary();
  const reach = Array.from(s.completedAt, (at, m) => at - (sentAt[m] as number)).filter((ms) => Number.isFinite(ms));
  const end = Number.isFinite(s.lastDeliveryAt) ? s.lastDeliveryAt : clock.now();
  // Deliveries per second in the second half of the sending window: by then a fan-out that keeps
  // up delivers what is offered, and one that falls behind shows it (the first half fills the pipe).
  const sendingMs = (messages * 1000) / scenario.ratePerSecond;
  const steady = ledger.deliveredBetween(start + sendingMs / 2, start + sendingMs) / (sendingMs / 2000);
  return {
    ...scenario,
    messages,
    offeredPerSecond: scenario.viewers * scenario.ratePerSecond,
    deliveredPerSecond: Math.round(steady),
    attempts: s.attempts,
    throttled: s.throttled,
    retried: s.retried,
    lost: s.lost,
    duplicates: s.duplicates,
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
  const invocations = new Invocations(time);
  const gateway = modelGateway(time, scenario.limits, scenario.viewers, ledger, invocations);
  const result = await drive(time, scenario, { ledger, invocations, gateway }, (work) => time.run(work));
  return { mode: 'virtual', ...result, wallSeconds: round((performance.now() - wallStart) / 1000, 1) };
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
    const result = await drive(clock, scenario, { ledger, invocations: new Invocations(clock), gateway }, (work) => work);
    return { mode: 'http', ...result, wallSeconds: round((performance.now() - wallStart) / 1000, 1) };
  } finally {
    await emulator.close();
  }
}
