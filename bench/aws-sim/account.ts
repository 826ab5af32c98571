// What the capacity simulator stands in for on AWS: the account's API Gateway request budget as
// PostToConnection meets it, and a ledger of every post, from which each figure of the report comes.
import { tokenBucket } from '../../lib/local/token-bucket';

/** The account's @connections budget and a post's latency, in simulated time. */
export interface AccountLimits {
  /** API Gateway's account throttle: requests per second (the default quota is 10,000). */
  ratePerSecond: number;
  /** The bucket's burst (the default quota is 5,000). */
  burst: number;
  /** Time a delivered post takes, request to answer (measured from Lambda, tens of ms). */
  postLatencyMs: number;
}

export const DEFAULT_LIMITS: AccountLimits = { ratePerSecond: 10_000, burst: 5_000, postLatencyMs: 20 };

/** A throttled request is answered by API Gateway's edge, before any integration: fast. */
export const THROTTLED_LATENCY_MS = 2;

/** Connection ids of the simulated room: `v<index>`; any other id is not connected (Gone). */
export const viewerId = (index: number): string => `v${index}`;
export const viewerIndexOf = (connectionId: string): number => (/^v\d+$/.test(connectionId) ? Number(connectionId.slice(1)) : -1);

/** A MESSAGE frame as the fan-out sends it, ~300 bytes, its sequence number in `Id` near the start. */
export const messageFrame = (seq: number): string =>
  JSON.stringify({
    Type: 'MESSAGE',
    Id: `m${seq}`,
    RequestId: `r${seq}`,
    Content: 'lorem ipsum dolor sit amet, consectetur adipiscing elit sed do',
    Attributes: {},
    SendTime: new Date(0).toISOString(),
    Sender: { UserId: 'host', Attributes: { displayName: 'The host' } },
  });
export const messageSeqOf = (frame: string): number => Number(/^\{"Type":"MESSAGE","Id":"m(\d+)"/.exec(frame)?.[1] ?? -1);

export type PostOutcome = 'delivered' | 'throttled' | 'gone';

/** The account's budget on a clock (ms): each post takes a token, or is throttled. */
export function createAccount(limits: AccountLimits, now: () => number): { admit(): boolean } {
  const bucket = tokenBucket({ ratePerSecond: limits.ratePerSecond, burst: limits.burst }, now);
  return { admit: () => bucket.take() };
}

/** What the ledger adds up: the report's figures before they are turned into rates. */
export interface LedgerSummary {
  attempts: number;
  throttled: number;
  /** Attempts after the first for the same message and viewer. */
  retried: number;
  /** Distinct (message, viewer) pairs that got the message. */
  delivered: number;
  /** Deliveries of a pair that already had the message (a post repeated after a success). */
  duplicates: number;
  /** Pairs that never got it: messages x viewers - delivered. */
  lost: number;
  /** Per message: when its last viewer got it (ms), or NaN when some viewer never did. */
  completedAt: Float64Array;
  /** Per message: when its last delivery happened (ms), whether or not every viewer got it; NaN for none. */
  lastAt: Float64Array;
  /** When the last delivery of the run happened (ms). */
  lastDeliveryAt: number;
}

const TICK_MS = 10;

/** Every post of a run, by message and viewer, in one bitset each (50,000 viewers x 100 messages is 5 MB). */
export class DeliveryLedger {
  private readonly tried: Uint8Array;
  private readonly got: Uint8Array;
  private readonly count: Uint32Array;
  private readonly lastAt: Float64Array;
  private attempts = 0;
  private throttled = 0;
  private retried = 0;
  private duplicates = 0;
  private lastDeliveryAt = NaN;
  /** First deliveries per 10 ms of the run's clock, for rates over part of a run. */
  private readonly perTick: number[] = [];

  constructor(
    readonly viewers: number,
    readonly messages: number,
  ) {
    this.tried = new Uint8Array(viewers * messages);
    this.got = new Uint8Array(viewers * messages);
    this.count = new Uint32Array(messages);
    this.lastAt = new Float64Array(messages).fill(NaN);
  }

  record(message: number, viewer: number, outcome: PostOutcome, at: number): void {
    if (message < 0 || message >= this.messages || viewer < 0 || viewer >= this.viewers) return;
    const pair = message * this.viewers + viewer;
    this.attempts++;
    if (this.tried[pair]) this.retried++;
    this.tried[pair] = 1;
    if (outcome === 'throttled') this.throttled++;
    if (outcome !== 'delivered') return;
    if (this.got[pair]) {
      this.duplicates++;
      return;
    }
    this.got[pair] = 1;
    this.count[message] = (this.count[message] as number) + 1;
    this.lastAt[message] = at;
    if (!(at <= this.lastDeliveryAt)) this.lastDeliveryAt = at;
    const tick = Math.max(0, Math.floor(at / TICK_MS));
    this.perTick[tick] = (this.perTick[tick] ?? 0) + 1;
  }

  /** First deliveries from `from` to `to` (ms, to the nearest 10 ms). */
  deliveredBetween(from: number, to: number): number {
    let sum = 0;
    for (let t = Math.max(0, Math.floor(from / TICK_MS)); t < Math.floor(to / TICK_MS); t++) sum += this.perTick[t] ?? 0;
    return sum;
  }

  /** Distinct viewers that got message `message`. */
  deliveredOf(message: number): number {
    return this.count[message] ?? 0;
  }

  summary(): LedgerSummary {
    const delivered = this.count.reduce((a, b) => a + b, 0);
    return {
      attempts: this.attempts,
      throttled: this.throttled,
      retried: this.retried,
      delivered,
      duplicates: this.duplicates,
      lost: this.viewers * this.messages - delivered,
      completedAt: this.lastAt.map((at, m) => (this.count[m] === this.viewers ? at : NaN)),
      lastAt: this.lastAt.slice(),
      lastDeliveryAt: this.lastDeliveryAt,
    };
  }
}
