import type { TargetCheck } from '../report';
import type { AwsSimResult } from './index';
import { HORIZON_MS, SimResult } from './simulation';

/** The issue's targets for the simulator. */
const DELIVERED_RATIO = 0.95;
const BIG_ROOM = 50_000;
const RAISED_LIMIT = 100_000;
const BIG_ROOM_REACH_MS = 5_000;

const fits = (r: SimResult) => r.offeredPerSecond <= r.limits.ratePerSecond;
const n = (value: number) => value.toLocaleString('en');

export function awsSimTargets(a: AwsSimResult | undefined): TargetCheck[] {
  if (!a) return [];
  const fitting = a.runs.filter(fits);
  const short = fitting.filter(
    (r) => r.lost > 0 || r.unfinished > 0 || r.deliveredPerSecond < DELIVERED_RATIO * Math.min(r.offeredPerSecond, r.limits.ratePerSecond),
  );
  const big = a.runs.find((r) => r.viewers === BIG_ROOM && r.ratePerSecond === 1 && r.limits.ratePerSecond === RAISED_LIMIT);
  const o = a.overload;
  return [
    {
      target: `aws-sim: delivered/s >= ${DELIVERED_RATIO} x min(offered, limit), 0 lost, whenever the offered load fits the limit`,
      measured:
        short.length === 0
          ? `all ${fitting.length} fitting runs`
          : `${short.length} of ${fitting.length} fitting runs short: ${short.map((r) => `${n(r.viewers)} x ${r.ratePerSecond} @ ${n(r.limits.ratePerSecond)} (${n(r.deliveredPerSecond)}/s, ${n(r.lost)} lost)`).join('; ')}`,
      met: fitting.length > 0 ? short.length === 0 : undefined,
    },
    {
      target: `aws-sim: a ${n(BIG_ROOM)}-viewer room at a ${n(RAISED_LIMIT)}/s limit reached in <= ${BIG_ROOM_REACH_MS / 1000} s`,
      measured: big
        ? `reach-all p99 ${big.reachAllMs.p99} ms over ${big.reachAllMs.count} of ${big.messages} messages, ${n(big.lost)} lost`
        : 'not run',
      met: big ? big.incomplete === 0 && big.reachAllMs.p99 <= BIG_ROOM_REACH_MS : undefined,
    },
    {
      target: 'aws-sim: under 2x overload the budget is used (delivered/s >= 0.95 x limit) and losses are bounded and reported',
      measured:
        `${n(o.viewers)} x ${o.ratePerSecond} @ ${n(o.limits.ratePerSecond)}: ${n(o.deliveredPerSecond)}/s delivered, ${n(o.throttled)} throttled, ` +
        `${n(o.retried)} retried, ${n(o.lost)} of ${n(o.viewers * o.messages)} lost (${n(o.countedDropped)} in the Dropped metric, ` +
        `${n(o.loggedDropped)} in warnings), ${o.unfinished} messages unfinished, ${o.reachAllMs.count} of ${o.messages} reaching every viewer`,
      met:
        o.deliveredPerSecond >= DELIVERED_RATIO * o.limits.ratePerSecond &&
        o.unfinished === 0 &&
        o.lost <= o.viewers * o.messages * (1 - o.limits.ratePerSecond / o.offeredPerSecond) &&
        o.countedDropped === o.lost &&
        o.loggedDropped === o.lost,
    },
  ];
}

export function awsSimReport(a: AwsSimResult, table: (headers: string[], rows: (string | number)[][]) => string): string[] {
  const rows = (runs: SimResult[]) =>
    runs.map((r) => [
      n(r.viewers),
      r.ratePerSecond,
      `${n(r.limits.ratePerSecond)} / ${n(r.limits.burst)}`,
      n(r.offeredPerSecond),
      n(r.deliveredPerSecond),
      n(r.throttled),
      n(r.retried),
      `${n(r.lost)} / ${n(r.countedDropped)}`,
      r.timedOut,
      r.unfinished,
      r.reachAllMs.count > 0 ? `${Math.round(r.reachAllMs.p50)} / ${Math.round(r.reachAllMs.p99)}` : '-',
      `${r.incomplete} of ${r.messages}`,
      `${r.concurrency.peak} / ${r.concurrency.mean}`,
    ]);
  const headers = [
    'viewers',
    'msg/s',
    'limit / burst',
    'offered/s',
    'delivered/s',
    'throttled',
    'retried',
    'lost / counted',
    'timed out',
    'unfinished',
    'reach all p50 / p99 ms',
    'msgs not reaching all',
    'Lambda peak / mean',
  ];
  const o = a.options;
  return [
    `AWS capacity simulator: the fan-out code of the functions (lambdas/core: broadcast, the retries, the shards through a ` +
      `modelled SQS FIFO shard queue and shard-worker invocations) against API Gateway's account throttle (a token bucket, 429 past it) ` +
      `with ${o.postLatencyMs} ms a post; ${o.seconds} simulated seconds of sending per run (5 messages at least), then ${HORIZON_MS / 1000} s more at most. ` +
      `"lost / counted": deliveries that never happened / those the fan-out code counted in its Dropped metric; "timed out": ` +
      `invocations past their Lambda timeout; "unfinished": messages whose shards were still queued or being worked at the end ` +
      `(late, not lost); "Lambda": invocations running at once.`,
    '',
    table(headers, rows([...a.runs, a.overload])),
    '',
    'Without shards (every message one $default invocation), at the raised limit:',
    '',
    table(headers, rows(a.unsharded)),
    '',
    'Wire check, wall clock: the SDK adapter (createManagementApiGateway) over HTTP to the @connections emulator, then the model on the same 2x-overloaded budget:',
    '',
    table(
      ['mode', ...headers],
      rows(a.wire).map((row, i) => [(a.wire[i] as SimResult).mode, ...row]),
    ),
    '',
  ];
}
