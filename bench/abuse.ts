import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CreateRoomCommand } from '@aws-sdk/client-ivschat';
import { bystander } from '../test/helpers/bystander';
import { FloodKind, FloodResult, spawnFlood } from '../test/helpers/flood-client';
import { PROBE_ENV, attachProbe } from '../test/helpers/process-probe';
import { ivschatClient } from './clients';
import { cpuMeter, settle, sleep, startStack } from './processes';
import type { Log } from './scenarios';
import { ratio, round } from './stats';

const FLOOD_KINDS: readonly FloodKind[] = ['tiny', 'big', 'nested', 'megabyte'];

/** Time a flooding process takes to start (node, tsx, a token, the handshake) before its flood is steady. */
const WARM_UP_MS = 2_000;
/** How often the server's RSS is read during a stretch, and its heap during the idle watch. */
const RSS_EVERY_MS = 100;
const HEAP_EVERY_MS = 10_000;

/** One stretch of the abuse scenario: nobody flooding (`idle`) or one viewer flooding one kind of frame. */
export interface AbuseStretch {
  kind: 'idle' | FloodKind;
  seconds: number;
  /** Highest server RSS read (every 100 ms) from the flood's start until the server settled after it. */
  serverRssPeakMiB: number;
  /** Server CPU time over the stretch, in cores; other: the rest of the machine, the flooding process included. */
  serverCores: number;
  otherCores: number;
  bystander: { sent: number; lost: number; p50: number; p99: number };
  /** What the flooding viewer saw (absent for idle). */
  flood?: FloodResult;
}

interface HeapSample {
  atSeconds: number;
  heapUsedMiB: number;
  rssMiB: number;
}

export interface AbuseResult {
  floodSeconds: number;
  /** The 1-, 5- and 15-minute load averages of the machine when the scenario started and ended. */
  loadAverage: { start: number[]; end: number[] };
  stretches: AbuseStretch[];
  idleHeap: {
    minutes: number;
    samples: HeapSample[];
    /** Least-squares slopes over all samples, MiB per minute. */
    heapGrowthMiBPerMinute: number;
    rssGrowthMiBPerMinute: number;
  };
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

/** Slope of the least-squares line through (x, y), per unit of x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : NaN;
}

/**
 * A stack of its own, started fresh with the inspector on (so its heap can be read after a forced
 * GC): a bystander room's latency and the server's RSS and CPU with nobody flooding, then while one
 * capability-less viewer (its own process) floods each kind of frame for `floodSeconds`; then,
 * with every client gone, the server's heap after forced GC and its RSS over `idleMinutes`.
 */
export async function abuse(floodSeconds: number, idleMinutes: number, log: Log, logFile?: string): Promise<AbuseResult> {
  const loadStart = loadavg().map((l) => round(l, 2));
  log(`abuse: starting a fresh local stack with the inspector on; load average ${loadStart.join(', ')}`);
  const stack = await startStack([], logFile, PROBE_ENV);
  const pid = stack.child.pid;
  const probe = await attachProbe(pid, stack.child.output);
  const sdk = ivschatClient(stack.apiUrl);
  try {
    const watch = await bystander(stack.wsUrl, sdk);
    // One unmeasured round first, so the idle figures are of a warm server.
    await watch.measure(1_000);
    const window = Math.max(1_000, floodSeconds * 1000 - WARM_UP_MS);
    const stretches: AbuseStretch[] = [];
    for (const kind of ['idle', ...FLOOD_KINDS] as const) {
      await settle(pid);
      log(`abuse: ${kind === 'idle' ? 'nobody flooding' : `one viewer flooding ${kind} frames`} for ${floodSeconds} s`);
      let peak = probe.rssBytes();
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, probe.rssBytes());
        } catch {
          // the server is gone: what follows fails with its output
        }
      }, RSS_EVERY_MS);
      const meter = cpuMeter(pid);
      let flood: Promise<FloodResult> | undefined;
      if (kind !== 'idle') {
        const room = await sdk.send(new CreateRoomCommand({ name: `bench-abuse-${kind}` }));
        flood = spawnFlood({ apiUrl: stack.apiUrl, wsUrl: stack.wsUrl, roomArn: room.arn as string, kind, seconds: floodSeconds });
      }
      await sleep(WARM_UP_MS);
      const seen = await watch.measure(window);
      const result = await flood;
      if (stack.child.process.exitCode !== null || stack.child.process.signalCode !== null) {
        throw new Error(`the server exited during the ${kind} stretch:\n${stack.child.output().slice(-4_000)}`);
      }
      const cpu = meter();
      // The server may still be working off what the flood left queued: its peak counts too.
      await settle(pid);
      clearInterval(sampler);
      peak = Math.max(peak, probe.rssBytes());
      const stretch: AbuseStretch = {
        kind,
        seconds: floodSeconds,
        serverRssPeakMiB: mib(peak),
        serverCores: round(cpu.server / cpu.seconds, 2),
        otherCores: round(cpu.other / cpu.seconds, 2),
        bystander: { sent: seen.sent, lost: seen.lost, p50: round(seen.p50), p99: round(seen.p99) },
        ...(result ? { flood: result } : {}),
      };
      stretches.push(stretch);
      log(
        `abuse ${kind}: server RSS peak ${stretch.serverRssPeakMiB} MiB, ${stretch.serverCores} cores (other ${stretch.otherCores}); ` +
          `bystander p50 ${stretch.bystander.p50} ms, p99 ${stretch.bystander.p99} ms, lost ${seen.lost}/${seen.sent}` +
          (result ? `; the flooder sent ${result.sent}, got ${result.answers} answers, ${result.closes1009} closes 1009` : ''),
      );
    }
    watch.close();

    await settle(pid);
    log(`abuse: idle server, no clients: heap after forced GC every ${HEAP_EVERY_MS / 1000} s for ${idleMinutes} min`);
    const samples: HeapSample[] = [];
    const started = performance.now();
    const end = started + idleMinutes * 60_000;
    for (let at = started; ; at += HEAP_EVERY_MS) {
      await sleep(Math.max(0, at - performance.now()));
      const heap = await probe.heapUsedAfterGc();
      samples.push({ atSeconds: round((performance.now() - started) / 1000, 1), heapUsedMiB: mib(heap), rssMiB: mib(probe.rssBytes()) });
      if (at + HEAP_EVERY_MS > end + 1) break;
    }
    const perMinute = (pick: (s: HeapSample) => number) => round(slope(samples.map((s) => [s.atSeconds / 60, pick(s)])), 3);
    const idleHeap = {
      minutes: idleMinutes,
      samples,
      heapGrowthMiBPerMinute: perMinute((s) => s.heapUsedMiB),
      rssGrowthMiBPerMinute: perMinute((s) => s.rssMiB),
    };
    const first = samples[0] as HeapSample;
    const last = samples[samples.length - 1] as HeapSample;
    log(
      `abuse idle: heap ${first.heapUsedMiB} -> ${last.heapUsedMiB} MiB (${idleHeap.heapGrowthMiBPerMinute} MiB/min), ` +
        `RSS ${first.rssMiB} -> ${last.rssMiB} MiB (${idleHeap.rssGrowthMiBPerMinute} MiB/min)`,
    );
    return { floodSeconds, loadAverage: { start: loadStart, end: loadavg().map((l) => round(l, 2)) }, stretches, idleHeap };
  } finally {
    probe.close();
    sdk.destroy();
    await stack.child.stop(5_000);
  }
}

/** A stretch's figure as a ratio to the idle stretch's. */
export const toIdle = (r: AbuseResult, pick: (s: AbuseStretch) => number, s: AbuseStretch): number => {
  const idle = r.stretches.find((x) => x.kind === 'idle');
  return idle ? ratio(pick(s), pick(idle)) : NaN;
};
