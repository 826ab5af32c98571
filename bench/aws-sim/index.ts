// `npm run bench -- --only aws-sim`: how the AWS deployment's fan-out fares against API Gateway's
// account throttle, for rooms far larger than one machine can hold sockets for.
import { AccountLimits, DEFAULT_LIMITS } from './account';
import { SimResult, SimScenario, simulate, simulateOverHttp } from './simulation';

export interface AwsSimOptions {
  /** Simulated seconds of sending per run, at least MIN_MESSAGES messages' worth. */
  seconds: number;
  viewers: number[];
  rates: number[];
  /** The account's PostToConnection budget (requests/s), as by default and as raised. */
  limits: number[];
  postLatencyMs: number;
}

export const DEFAULT_AWS_SIM: AwsSimOptions = {
  seconds: 2,
  viewers: [1_000, 10_000, 50_000],
  rates: [1, 10],
  limits: [DEFAULT_LIMITS.ratePerSecond, 100_000],
  postLatencyMs: DEFAULT_LIMITS.postLatencyMs,
};

export interface AwsSimResult {
  options: AwsSimOptions;
  /** Simulated time: every room size, rate and limit, big rooms in shards (the AWS default). */
  runs: SimResult[];
  /** Rooms at 1 msg/s at the raised limit without shards: every message one invocation, as before the shard queue. */
  unsharded: SimResult[];
  /** The same code at twice the default budget's rate (20,000 viewers at 1 msg/s). */
  overload: SimResult;
  /** Wall clock, the SDK adapter over HTTP to the emulator: one fitting run and one at 2x a small budget. */
  wire: SimResult[];
}

/** Messages per run at the least: a room at 1 msg/s is sent to for 5 s. */
const MIN_MESSAGES = 5;
const secondsAt = (options: AwsSimOptions, ratePerSecond: number) => Math.max(options.seconds, MIN_MESSAGES / ratePerSecond);

/** A budget's burst: half a second's worth, as API Gateway's default (10,000/s, burst 5,000). */
const limitsAt = (ratePerSecond: number, postLatencyMs: number): AccountLimits => ({
  ratePerSecond,
  burst: Math.round(ratePerSecond / 2),
  postLatencyMs,
});

/** Viewers of the 2x overload run and of the wire check (small enough for one busy process to post over HTTP in time). */
const OVERLOAD_VIEWERS = 20_000;
const WIRE_VIEWERS = 200;
const WIRE_SECONDS = 3;

export async function awsSim(options: AwsSimOptions, log: (line: string) => void): Promise<AwsSimResult> {
  // The SDK adapter signs its requests: any key does for the emulator.
  process.env.AWS_ACCESS_KEY_ID ??= 'simulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'simulator';
  const run = async (scenario: SimScenario, how: (s: SimScenario) => Promise<SimResult>) => {
    const r = await how(scenario);
    log(
      `${r.mode}${r.sharded ? '' : ' unsharded'} ${r.viewers} viewers x ${r.ratePerSecond} msg/s @ ${r.limits.ratePerSecond}/s: ` +
        `${r.deliveredPerSecond}/s delivered of ${r.offeredPerSecond}/s, ${r.throttled} throttled, ${r.retried} retried, ` +
        `${r.lost} lost (${r.countedDropped} counted dropped, ${r.timedOut} invocations timed out), ${r.unfinished} of ${r.messages} messages unfinished, ` +
        `reach-all p99 ${r.reachAllMs.count > 0 ? r.reachAllMs.p99 : '-'} ms, peak ${r.concurrency.peak} invocations (${r.wallSeconds} s)`,
    );
    return r;
  };
  const runs: SimResult[] = [];
  for (const limit of options.limits) {
    for (const viewers of options.viewers) {
      for (const ratePerSecond of options.rates) {
        const limits = limitsAt(limit, options.postLatencyMs);
        runs.push(await run({ viewers, ratePerSecond, seconds: secondsAt(options, ratePerSecond), limits, sharded: true }, simulate));
      }
    }
  }
  const raised = limitsAt(Math.max(...options.limits), options.postLatencyMs);
  const unsharded: SimResult[] = [];
  for (const viewers of options.viewers) {
    unsharded.push(await run({ viewers, ratePerSecond: 1, seconds: secondsAt(options, 1), limits: raised, sharded: false }, simulate));
  }
  const base = limitsAt(DEFAULT_LIMITS.ratePerSecond, options.postLatencyMs);
  const overload = await run(
    { viewers: OVERLOAD_VIEWERS, ratePerSecond: 1, seconds: secondsAt(options, 1), limits: base, sharded: true },
    simulate,
  );
  const small = limitsAt(WIRE_VIEWERS / 2, options.postLatencyMs);
  const wire = [
    await run({ viewers: WIRE_VIEWERS, ratePerSecond: 1, seconds: WIRE_SECONDS, limits: base, sharded: true }, simulateOverHttp),
    await run({ viewers: WIRE_VIEWERS, ratePerSecond: 1, seconds: WIRE_SECONDS, limits: small, sharded: true }, simulateOverHttp),
  ];
  // The model's view of the same two runs, so the wire check compares like with like.
  wire.push(await run({ viewers: WIRE_VIEWERS, ratePerSecond: 1, seconds: WIRE_SECONDS, limits: small, sharded: true }, simulate));
  return { options, runs, unsharded, overload, wire };
}
