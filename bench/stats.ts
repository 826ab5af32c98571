import { performance } from 'node:perf_hooks';

/** Latency figures of a run, in milliseconds. */
export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Percentiles (nearest rank) of the samples; sorts them in place. */
export function latency(samples: Float64Array | number[]): Latency {
  const sorted = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  const at = (p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number) : NaN);
  return { count: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)) };
}

/** A growable list of samples in a typed array (a million latencies without a million boxed numbers). */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export const round = (value: number, digits = 2): number => {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const ratio = (value: number, baseline: number): number => (baseline > 0 ? round(value / baseline, 3) : NaN);

/** Runs `worker` on `concurrency` loops until `seconds` are up; each resolved call is one sample. */
export async function closedLoop(
  seconds: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ calls: number; errors: number; perSecond: number; latency: Latency; firstError?: string }> {
  const samples = new Samples();
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call(started++);
        samples.push(performance.now() - t0);
      } catch (err) {
        errors += 1;
        firstError ??= `${(err as Error).name}: ${(err as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - start) / 1000;
  return {
    calls: samples.length,
    errors,
    perSecond: round(samples.length / elapsed, 1),
    latency: latency(samples.values()),
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs `run` for each index with at most `limit` in flight. */
export async function eachLimited(count: number, limit: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await run(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
