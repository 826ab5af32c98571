import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { newId } from './ids';
import { roomIdentifier } from './room';
import { int, list, oneOf, optional, required, str, stringMap, struct } from './validate';

export const CAPABILITIES = ['SEND_MESSAGE', 'DISCONNECT_USER', 'DELETE_MESSAGE'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** How long a token may be used to open a connection: one minute, as AWS documents. */
export const TOKEN_LIFETIME_MS = 60_000;
export const DEFAULT_SESSION_MINUTES = 60;

export const createChatTokenInput = struct({
  roomIdentifier: required(roomIdentifier),
  userId: required(str({ min: 1, max: 128 })),
  capabilities: optional(list(oneOf(CAPABILITIES))),
  sessionDurationInMinutes: optional(int({ min: 1, max: 180 })),
  // AWS documents "1 KB total" for token attributes.
  attributes: optional(stringMap({ key: str({ min: 1 }), value: str(), maxTotalBytes: 1024 })),
});
export type CreateChatTokenInput = NonNullable<ReturnType<typeof createChatTokenInput.parse>>;

/** What a chat token carries. Times are epoch milliseconds. */
export interface ChatTokenClaims {
  /** Unique per token: what makes a token single-use. */
  tokenId: string;
  roomArn: string;
  userId: string;
  capabilities: Capability[];
  attributes: Record<string, string>;
  tokenExpiresAt: number;
  sessionExpiresAt: number;
}

/**
 * Symmetric keys by key id. New tokens use `current`; any listed key still opens tokens, so a key
 * can be rotated in by adding it as current and rotated out once its tokens (≤ 1 minute) are gone.
 */
export interface TokenKeySet {
  current: string;
  keys: ReadonlyMap<string, Uint8Array>;
}

/** Token and session lengths; AWS's are fixed, tests shorten them through configuration. */
export interface TokenTiming {
  tokenLifetimeMs: number;
  sessionMinuteMs: number;
}

export const AWS_TOKEN_TIMING: TokenTiming = { tokenLifetimeMs: TOKEN_LIFETIME_MS, sessionMinuteMs: 60_000 };

/** The claims of a new token for `input`, issued at `now`. */
export function newTokenClaims(input: CreateChatTokenInput, now: Date, timing: TokenTiming = AWS_TOKEN_TIMING): ChatTokenClaims {
  const issued = now.getTime();
  return {
    tokenId: newId(16),
    roomArn: input.roomIdentifier,
    userId: input.userId,
    capabilities: [...new Set(input.capabilities ?? [])],
    attributes: input.attributes ?? {},
    tokenExpiresAt: issued + timing.tokenLifetimeMs,
    // The session is measured from issue: that is what CreateChatToken's sessionExpirationTime reports.
    sessionExpiresAt: issued + (input.sessionDurationInMinutes ?? DEFAULT_SESSION_MINUTES) * timing.sessionMinuteMs,
  };
}

/** Short member names keep the token small: it travels in a header on every connect. */
interface Payload {
  j: string;
  r: string;
  u: string;
  c: Capability[];
  a: Record<string, string>;
  t: number;
  s: number;
}

/**
 * Seals claims as a compact JWE (RFC 7516, `dir` + A256GCM): encrypted and authenticated, so its
 * content is opaque to clients and cannot be altered. Compact JWE is base64url parts joined by `.`,
 * all of them characters a WebSocket subprotocol may hold. Written with node:crypto rather than
 * jose: jose goes through WebCrypto, whose asynchronous jobs cost ~0.1 to 0.2 ms of CPU per seal or
 * open against ~10 µs for the same AES-GCM done synchronously, and every connect opens a token (the
 * tests check that tokens jose seals open here, and the other way round).
 */
export async function sealToken(claims: ChatTokenClaims, keys: TokenKeySet): Promise<string> {
  const key = keys.keys.get(keys.current);
  if (!key) throw new Error(`token key ${keys.current} is missing from the key set`);
  const payload: Payload = {
    j: claims.tokenId,
    r: claims.roomArn,
    u: claims.userId,
    c: claims.capabilities,
    a: claims.attributes,
    t: claims.tokenExpiresAt,
    s: claims.sessionExpiresAt,
  };
  const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: keys.current })).toString('base64url');
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The protected header, as its base64url text, is the additional authenticated data (RFC 7516, 5.1).
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  // The empty second part: `dir` has no encrypted key.
  return [header, '', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The plaintext of a compact JWE sealed with `dir` + A256GCM under a key of the set; throws for anything else. */
function decrypt(token: string, keys: TokenKeySet): Buffer {
  const parts = token.split('.');
  if (parts.length !== 5 || !parts.every((part) => BASE64URL.test(part))) throw new Error('not a compact JWE');
  const [header, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const fields = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  // Only what sealToken writes: no compression, no critical extensions, no other algorithm.
  if (fields.alg !== 'dir' || fields.enc !== 'A256GCM' || 'zip' in fields || 'crit' in fields || encryptedKey !== '') {
    throw new Error('unexpected JWE header');
  }
  const key = typeof fields.kid === 'string' ? keys.keys.get(fields.kid) : undefined;
  if (!key) throw new Error('unknown key id');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== GCM_IV_BYTES || tagBytes.length !== GCM_TAG_BYTES) throw new Error('bad iv or tag');
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(Buffer.from(header, 'ascii'));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

export type TokenRefusal = 'invalid' | 'expired';

/** Opens a token sealed with any key of the set; `invalid` for anything forged, altered or garbled. */
export async function openToken(token: string, keys: TokenKeySet, now: Date): Promise<ChatTokenClaims | TokenRefusal> {
  let payload: Payload;
  try {
    payload = JSON.parse(decrypt(token, keys).toString('utf8')) as Payload;
  } catch {
    return 'invalid';
  }
  if (now.getTime() >= payload.t) return 'expired';
  return {
    tokenId: payload.j,
    roomArn: payload.r,
    userId: payload.u,
    capabilities: payload.c,
    attributes: payload.a,
    tokenExpiresAt: payload.t,
    sessionExpiresAt: payload.s,
  };
}

/**
 * Reads a key set from JSON: `{"current":"kid","keys":{"kid":"<base64url of 32 bytes>"}}`, or the flat
 * `{"current":"kid","kid":"…"}` that a Secrets Manager generated secret has (43 alphanumerics are
 * valid base64url for 32 bytes).
 */
export function parseTokenKeySet(json: string): TokenKeySet {
  let parsed: { current?: unknown; keys?: Record<string, unknown> } & Record<string, unknown>;
  try {
    parsed = JSON.parse(json);
  } catch {
    // JSON.parse quotes the text around the fault, which here would be key material.
    throw new Error('the token key set is not valid JSON');
  }
  const { current, keys: nested, ...flat } = parsed;
  const entries = Object.entries(nested ?? flat);
  const keys = new Map<string, Uint8Array>();
  for (const [kid, value] of entries) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
    if (bytes.length !== 32) throw new Error(`token key ${kid} must be 32 bytes, base64url-encoded`);
    keys.set(kid, new Uint8Array(bytes));
  }
  if (typeof current !== 'string' || !keys.has(current)) {
    throw new Error('the token key set must name a current key that it holds');
  }
  return { current, keys };
}
