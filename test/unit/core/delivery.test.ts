import { createCountingMetrics } from '../../../lambdas/adapters/metrics';
import { DEFAULT_RETRY_POLICY, RetryPolicy, backoffMs, deliverFrame, deliverInOrder, nextRetryWait } from '../../../lambdas/core/delivery';
import { ConnectionGateway, PostFailure, PostFailureKind } from '../../../lambdas/core/ports';
import { deliverShard } from '../../../lambdas/core/shards';
import type { ConnectionStore } from '../../../lambdas/data/connections';
import { logger } from '../../../lambdas/shared/logger';
import { virtualClock } from '../../fixtures/fakes';

const policy: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 20, deadlineMs: 5_000 };

/** A gateway answering each connection's posts from its script, in turn; the last answer repeats. */
function scriptedGateway(scripts: Record<string, ('ok' | 'gone' | PostFailureKind | 'plain')[]>) {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gateway: ConnectionGateway = {
    post: async (id) => {
      const script = scripts[id] ?? ['ok'];
      const answer = script[Math.min(calls.filter((c) => c === id).length, script.length - 1)];
      calls.push(id);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      if (answer === 'ok') return true;
      if (answer === 'gone') return false;
      if (answer === 'plain') throw new Error('an adapter error it did not classify');
      throw new PostFailure(answer as PostFailureKind, `answered ${answer}`);
    },
    disconnect: async () => undefined,
  };
  return { gateway, calls, maxInFlight: () => maxInFlight };
}

describe('the retry policy', () => {
  test('full jitter: uniform below a ceiling that doubles per retry up to the maximum', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffMs(policy, retry, 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(policy, 3, 0)).toBe(0);
    expect(backoffMs(policy, 3, 0.5)).toBe(400);
  });

  test('no retry past the deadline, nor past the retry limit', () => {
    expect(nextRetryWait(policy, 0, 4_900, 0.5)).toBe(50);
    expect(nextRetryWait(policy, 3, 4_700, 0.5)).toBeUndefined(); // 4,700 + 400 > 5,000
    expect(nextRetryWait(policy, 3, 4_600, 0.5)).toBe(400);
    expect(nextRetryWait({ ...policy, maxRetries: 3 }, 3, 0, 0.5)).toBeUndefined();
  });

  test('the default leaves the $default function most of its 29 s', () => {
    expect(DEFAULT_RETRY_POLICY.deadlineMs).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBeGreaterThanOrEqual(1_000); // past API Gateway's one-second throttle window
  });
});

describe('deliverFrame', () => {
  test('a post answered 429 then 200 is delivered once, after one jittered wait', async () => {
    const { gateway, calls } = scriptedGateway({ a: ['throttled', 'ok'] });
    const clock = virtualClock(() => 0.25);
    const report = await deliverFrame(gateway, ['a'], 'frame', { policy, clock });
    expect(report).toEqual({ delivered: 1, gone: [], throttled: 1, retried: 1, dropped: [] });
    expect(calls).toEqual(['a', 'a']);
    expect(clock.slept).toEqual([25]);
  });

  test('a post answered 429 past the deadline is dropped, with its last failure', async () => {
    const { gateway, calls } = scriptedGateway({ a: ['throttled'] });
    const clock = virtualClock(() => 0.999);
    const report = await deliverFrame(gateway, ['a', 'b'], 'frame', { policy, clock });
    expect(report.delivered).toBe(1);
    expect(report.dropped).toEqual([{ connectionId: 'a', reason: 'throttled' }]);
    // Waits of 99, 199, 399, 799, then 999 each until the next would end past 5 s.
    expect(clock.slept).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(clock.now()).toBeLessThanOrEqual(policy.deadlineMs);
    expect(report.throttled).toBe(calls.filter((c) => c === 'a').length);
    expect(report.retried).toBe(clock.slept.length);
  });

  test('5xx, network and unclassified failures are retried too; Gone never is', async () => {
    const { gateway, calls } = scriptedGateway({
      s: ['server', 'ok'],
      n: ['network', 'network', 'ok'],
      p: ['plain', 'ok'],
      g: ['gone'],
    });
    const report = await deliverFrame(gateway, ['s', 'n', 'p', 'g'], 'frame', { policy, clock: virtualClock() });
    expect(report).toMatchObject({ delivered: 3, gone: ['g'], throttled: 0, retried: 4, dropped: [] });
    expect(calls.filter((c) => c === 'g')).toEqual(['g']);
  });

  test('every connection ends delivered, gone or dropped exactly once, with at most `parallelism` posts in flight', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `c${i}`);
    const kinds = ['ok', 'gone', 'throttled', 'server'] as const;
    const scripts = Object.fromEntries(ids.map((id, i) => [id, [kinds[i % 4] as (typeof kinds)[number]]]));
    const { gateway, maxInFlight } = scriptedGateway(scripts);
    const report = await deliverFrame(gateway, ids, 'frame', { policy, clock: virtualClock(Math.random), parallelism: 8 });
    expect(report.delivered + report.gone.length + report.dropped.length).toBe(ids.length);
    expect(new Set([...report.gone, ...report.dropped.map((d) => d.connectionId)]).size).toBe(report.gone.length + report.dropped.length);
    expect(report.delivered).toBe(125);
    expect(maxInFlight()).toBeLessThanOrEqual(8);
  });
});

describe('a gateway that posts at once (postNow)', () => {
  test('takes every frame without a promise; gone connections get no more; a throw goes the retried way from that frame', async () => {
    const now: string[] = [];
    const { gateway: scripted, calls } = scriptedGateway({ t: ['throttled', 'ok'] });
    const gateway: ConnectionGateway = {
      ...scripted,
      postNow: (id, frame) => {
        now.push(`${id}:${frame}`);
        if (id === 'g') return false;
        if (id === 't' && frame === 'f2') throw new PostFailure('throttled', 'answered 429');
        return true;
      },
    };
    const report = await deliverInOrder(
      gateway,
      [
        { connectionId: 'a', frames: ['f1', 'f2'] },
        { connectionId: 'g', frames: ['f1', 'f2'] },
        { connectionId: 't', frames: ['f1', 'f2', 'f3'] },
      ],
      { policy, clock: virtualClock(() => 0.5) },
    );
    expect(now).toEqual(['a:f1', 'a:f2', 'g:f1', 't:f1', 't:f2']);
    // t's f2 failed at once: f2 (429, then 200 after a retry) and f3 go through post, in order.
    expect(calls).toEqual(['t', 't', 't']);
    expect(report).toEqual({ delivered: 5, gone: ['g'], throttled: 1, retried: 1, dropped: [] });
  });
});

describe('deliverInOrder', () => {
  test('each connection gets its frames in order; a gone one gets nothing more; a dropped frame does not hold back the next', async () => {
    const posted: [string, string][] = [];
    const failing = new Set(['b:2']);
    const gateway: ConnectionGateway = {
      post: async (id, frame) => {
        posted.push([id, frame]);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
        if (id === 'gone') return false;
        if (failing.has(`${id}:${frame}`)) throw new PostFailure('server', 'down');
        return true;
      },
      disconnect: async () => undefined,
    };
    const frames = ['1', '2', '3'];
    const report = await deliverInOrder(
      gateway,
      ['a', 'b', 'gone'].map((connectionId) => ({ connectionId, frames })),
      { policy: { ...policy, maxRetries: 1 }, clock: virtualClock() },
    );
    const to = (id: string) => posted.filter(([c]) => c === id).map(([, f]) => f);
    expect(to('a')).toEqual(['1', '2', '3']);
    expect(to('b')).toEqual(['1', '2', '2', '3']);
    expect(to('gone')).toEqual(['1']);
    expect(report).toMatchObject({ delivered: 5, gone: ['gone'], retried: 1, dropped: [{ connectionId: 'b', reason: 'server' }] });
  });

  test('no post starts after the deadline: the frames left are dropped as such, untried', async () => {
    const clock = virtualClock();
    const gateway: ConnectionGateway = {
      post: async () => {
        await clock.sleep(1_000);
        return true;
      },
      disconnect: async () => undefined,
    };
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const report = await deliverFrame(gateway, ids, 'frame', { policy, clock, parallelism: 1 });
    // One post a second, one at a time: posts start at 0..5 s, the rest would start past 5 s.
    expect(report.delivered).toBe(6);
    expect(report.dropped).toEqual(ids.slice(6).map((connectionId) => ({ connectionId, reason: 'deadline' })));
  });
});

describe('deliverShard', () => {
  const connections = (removed: string[]) =>
    ({
      remove: async (id: string) => {
        removed.push(id);
      },
    }) as unknown as ConnectionStore;
  const shard = { roomId: 'room', shard: 0, shardCount: 1, frame: 'frame', connectedBefore: 1_000 };

  test('drops are counted and logged once, with the counts', async () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const { gateway, calls } = scriptedGateway({ t1: ['throttled'], t2: ['throttled'], late: ['throttled', 'ok'], g: ['gone'] });
      const metrics = createCountingMetrics();
      const removed: string[] = [];
      const fanOut = { policy, clock: virtualClock(() => 0.999), shardThreshold: 2_000, shardSize: 500 };
      await deliverShard(
        { gateway, metrics, fanOut, connections: connections(removed) },
        { ...shard, connectionIds: ['ok', 't1', 't2', 'late', 'g'] },
      );
      const throttledAnswers = calls.filter((c) => c === 't1' || c === 't2').length + 1;
      expect(metrics.totals).toMatchObject({ Deliveries: 2, Gone: 1, Dropped: 2, Throttled: throttledAnswers });
      expect(removed).toEqual(['g']);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        'fan-out dropped deliveries',
        expect.objectContaining({ roomId: 'room', connections: 5, delivered: 2, gone: 1, dropped: 2, droppedBy: { throttled: 2 } }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  test('a clean delivery logs nothing and still counts (zero drops are data points too)', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const info = jest.spyOn(logger, 'info');
    try {
      const metrics = createCountingMetrics();
      const fanOut = { policy, clock: virtualClock(), shardThreshold: 2_000, shardSize: 500 };
      await deliverShard(
        { gateway: scriptedGateway({}).gateway, metrics, fanOut, connections: connections([]) },
        { ...shard, connectionIds: ['a'] },
      );
      expect(metrics.totals).toMatchObject({ Deliveries: 1, Dropped: 0 });
      expect(warn).not.toHaveBeenCalled();
      expect(info).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
  });
});
