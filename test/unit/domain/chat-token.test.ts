import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { TokenKeySet, newTokenClaims, openToken, parseTokenKeySet, sealToken } from '../../../lambdas/domain/chat-token';

const key = () => new Uint8Array(randomBytes(32));
const keys: TokenKeySet = { current: 'k1', keys: new Map([['k1', key()]]) };
const now = new Date('2026-01-01T00:00:00Z');
const input = {
  roomIdentifier: 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234',
  userId: 'ann',
  capabilities: ['SEND_MESSAGE' as const, 'SEND_MESSAGE' as const],
  sessionDurationInMinutes: 180,
  attributes: { displayName: 'Ann' },
};

describe('chat tokens', () => {
  test('claims: one-minute token, session from issue, capabilities once each', () => {
    const claims = newTokenClaims(input, now);
    expect(claims).toMatchObject({
      roomArn: input.roomIdentifier,
      userId: 'ann',
      capabilities: ['SEND_MESSAGE'],
      attributes: { displayName: 'Ann' },
      tokenExpiresAt: now.getTime() + 60_000,
      sessionExpiresAt: now.getTime() + 180 * 60_000,
    });
    expect(newTokenClaims({ ...input, sessionDurationInMinutes: undefined }, now).sessionExpiresAt).toBe(now.getTime() + 60 * 60_000);
    expect(newTokenClaims(input, now).tokenId).not.toBe(claims.tokenId);
  });

  test('sealed tokens are subprotocol-safe, opaque, and open to the same claims', async () => {
    const claims = newTokenClaims(input, now);
    const token = await sealToken(claims, keys);
    expect(token).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
    expect(token).not.toContain('ann');
    expect(await openToken(token, keys, new Date(now.getTime() + 59_000))).toEqual(claims);
  });

  test('expired, altered, foreign-key and garbage tokens are refused', async () => {
    const token = await sealToken(newTokenClaims(input, now), keys);
    expect(await openToken(token, keys, new Date(now.getTime() + 60_000))).toBe('expired');
    const parts = token.split('.');
    const flipped = parts[3]?.startsWith('A') ? `B${parts[3].slice(1)}` : `A${parts[3]?.slice(1)}`;
    expect(await openToken([...parts.slice(0, 3), flipped, parts[4]].join('.'), keys, now)).toBe('invalid');
    expect(await openToken(token, { current: 'k1', keys: new Map([['k1', key()]]) }, now)).toBe('invalid');
    expect(await openToken('not-a-token', keys, now)).toBe('invalid');
    expect(await openToken('', keys, now)).toBe('invalid');
  });

  test('the tokens are standard compact JWE: jose opens what sealToken seals, and openToken what jose seals', async () => {
    const claims = newTokenClaims(input, now);
    const { plaintext, protectedHeader } = await compactDecrypt(await sealToken(claims, keys), keys.keys.get('k1') as Uint8Array);
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', kid: 'k1' });
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ j: claims.tokenId, u: 'ann', r: input.roomIdentifier });
    const byJose = (header: Record<string, string>) =>
      new CompactEncrypt(new TextEncoder().encode(new TextDecoder().decode(plaintext)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...header })
        .encrypt(keys.keys.get('k1') as Uint8Array);
    expect(await openToken(await byJose({ kid: 'k1' }), keys, now)).toEqual(claims);
    // No key id, an unknown one, or a header asking for compression: refused.
    expect(await openToken(await byJose({}), keys, now)).toBe('invalid');
    expect(await openToken(await byJose({ kid: 'k9' }), keys, now)).toBe('invalid');
    expect(await openToken(await byJose({ kid: 'k1', zip: 'DEF' }).catch(() => 'x.y'), keys, now)).toBe('invalid');
  });

  test('keys rotate: a token sealed with an older key still opens while that key is listed', async () => {
    const old = await sealToken(newTokenClaims(input, now), keys);
    const rotated: TokenKeySet = { current: 'k2', keys: new Map([...keys.keys, ['k2', key()]]) };
    const fresh = await sealToken(newTokenClaims(input, now), rotated);
    expect(await openToken(old, rotated, now)).toMatchObject({ userId: 'ann' });
    expect(await openToken(fresh, rotated, now)).toMatchObject({ userId: 'ann' });
    expect(await openToken(fresh, keys, now)).toBe('invalid');
  });

  test('key sets are read from JSON and checked', () => {
    const b64 = Buffer.from(key()).toString('base64url');
    expect(parseTokenKeySet(JSON.stringify({ current: 'a', keys: { a: b64 } })).keys.get('a')).toHaveLength(32);
    expect(() => parseTokenKeySet(JSON.stringify({ current: 'b', keys: { a: b64 } }))).toThrow(/current key/);
    // The flat form of a Secrets Manager generated secret: 43 alphanumerics are 32 bytes of base64url.
    const generated = 'Ab3'.repeat(14) + 'Z';
    expect(parseTokenKeySet(JSON.stringify({ current: 'k1', k1: generated })).keys.get('k1')).toHaveLength(32);
    expect(() => parseTokenKeySet(JSON.stringify({ current: 'a', keys: { a: 'short' } }))).toThrow(/32 bytes/);
    const secretish = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg';
    expect(() => parseTokenKeySet(`{"current":"k1","k1":${secretish}}`)).toThrow('the token key set is not valid JSON');
    try {
      parseTokenKeySet(`{"current":"k1","k1":${secretish}}`);
    } catch (err) {
      expect((err as Error).message).not.toContain('AbCd');
    }
  });
});
