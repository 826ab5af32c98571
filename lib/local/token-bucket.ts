/**
 * A token bucket, as API Gateway throttles with: `ratePerSecond` tokens flow in continuously, the
 * bucket holds at most `burst`, and each request takes one or is refused. It starts full. Time is
 * read from `now` (milliseconds), so a simulation can run it on its own clock.
 */
export interface TokenBucket {
  /** Takes a token if there is one; false when the request is to be throttled. */
  take(): boolean;
}

export function tokenBucket(limits: { ratePerSecond: number; burst: number }, now: () => number = () => performance.now()): TokenBucket {
  let tokens = limits.burst;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(limits.burst, tokens + ((t - at) * limits.ratePerSecond) / 1000);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
