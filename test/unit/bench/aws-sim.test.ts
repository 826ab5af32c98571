import { DeliveryLedger, messageFrame, messageSeqOf, viewerId, viewerIndexOf } from '../../../bench/aws-sim/account';
import { VirtualTime } from '../../../bench/aws-sim/virtual-time';
import { tokenBucket } from '../../../lib/local/token-bucket';

test('virtual time: sleeps end in time order (ties in the order they were made), and only simulated time passes', async () => {
  const time = new VirtualTime();
  const order: string[] = [];
  const wallStart = Date.now();
  const work = Promise.all([
    time.sleep(60_000).then(() => order.push(`a@${time.now()}`)),
    time.sleep(10).then(() => order.push(`b@${time.now()}`)),
    time.sleep(10).then(async () => {
      order.push(`c@${time.now()}`);
      await time.sleep(5);
      order.push(`d@${time.now()}`);
    }),
  ]);
  await time.run(work);
  expect(order).toEqual(['b@10', 'c@10', 'd@15', 'a@60000']);
  expect(Date.now() - wallStart).toBeLessThan(1_000);
});

test('virtual time: a run stops at its horizon, leaving later sleeps undone', async () => {
  const time = new VirtualTime();
  const done: number[] = [];
  const work = Promise.all([10, 50, 200].map((ms) => time.sleep(ms).then(() => done.push(ms))));
  await expect(time.run(work, 100)).resolves.toBe(false);
  expect(done).toEqual([10, 50]);
  expect(time.now()).toBe(50);
});

test('virtual time: work that waits on nothing it schedules is reported stuck, not awaited for ever', async () => {
  const time = new VirtualTime();
  await expect(time.run(new Promise(() => undefined))).rejects.toThrow('stuck');
});

test('the token bucket starts full, refills at its rate, and never holds more than its burst', () => {
  let now = 0;
  const bucket = tokenBucket({ ratePerSecond: 10, burst: 5 }, () => now);
  const takes = (n: number) => Array.from({ length: n }, () => bucket.take()).filter(Boolean).length;
  expect(takes(10)).toBe(5);
  now += 300;
  expect(takes(10)).toBe(3);
  now += 60_000;
  expect(takes(10)).toBe(5);
});

test('the ledger counts attempts, retries, throttles, duplicates and what never arrived, per message', () => {
  const ledger = new DeliveryLedger(2, 2);
  ledger.record(0, 0, 'throttled', 1);
  ledger.record(0, 0, 'delivered', 5);
  ledger.record(0, 1, 'delivered', 7);
  ledger.record(0, 1, 'delivered', 8);
  ledger.record(1, 0, 'delivered', 9);
  ledger.record(1, 5, 'delivered', 9); // not a viewer of the room: ignored
  const s = ledger.summary();
  expect({ ...s, completedAt: Array.from(s.completedAt), lastAt: Array.from(s.lastAt) }).toEqual({
    attempts: 5,
    throttled: 1,
    retried: 2,
    delivered: 3,
    duplicates: 1,
    lost: 1,
    completedAt: [7, NaN],
    lastAt: [7, 9],
    lastDeliveryAt: 9,
  });
});

test('frames and connection ids carry the message and the viewer', () => {
  expect(messageSeqOf(messageFrame(42))).toBe(42);
  expect(messageSeqOf('{"Type":"EVENT"}')).toBe(-1);
  expect(viewerIndexOf(viewerId(7))).toBe(7);
  expect(viewerIndexOf('someone-else')).toBe(-1);
});
