import { usedTokensInMemory } from '../../../lib/local/used-tokens';

test('a token is claimed once; its claim is kept until a minute after the token expires', async () => {
  let now = 1_000_000;
  const tokens = usedTokensInMemory(() => now);
  const expiresAt = now + 60_000;
  expect(await tokens.claim('t1', expiresAt)).toBe(true);
  expect(await tokens.claim('t1', expiresAt)).toBe(false);
  expect(await tokens.claim('t2', expiresAt)).toBe(true);
  now = expiresAt + 59_000;
  expect(await tokens.claim('t1', expiresAt)).toBe(false);
  // Past the minute the claim may go (the token itself has long been refused as expired).
  now = expiresAt + 61_000;
  expect(await tokens.claim('t3', now + 60_000)).toBe(true);
  expect(await tokens.claim('t1', expiresAt)).toBe(true);
});
