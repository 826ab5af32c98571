import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Largest multiple of 62 below 256: bytes at or above it are dropped so every letter is equally likely. */
const UNBIASED_LIMIT = 248;

/**
 * Bytes from the system's CSPRNG, drawn 4 KiB at a time (as Node's own randomUUID does): one call
 * per ~300 ids instead of one per id, which was a measurable part of every message's cost.
 */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;
/** The offset of `count` (at most the pool's size) fresh bytes in the pool; each byte serves once. */
function take(count: number): number {
  if (count > pool.length) throw new RangeError(`at most ${pool.length} random bytes at a time`);
  if (poolUsed + count > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  poolUsed += count;
  return poolUsed - count;
}
const randomByte = (): number => pool[take(1)] as number;

/** `bytes` random bytes as base64url, from the same pool: the local gateway's connection and message ids. */
export function randomBase64url(bytes: number): string {
  const at = take(bytes);
  return pool.toString('base64url', at, at + bytes);
}

/** A random 12-character `[a-zA-Z0-9]` id, the shape AWS uses for room, logging-config, message and event ids. */
export function newId(length = 12): string {
  let id = '';
  while (id.length < length) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) id += ALPHABET[byte % 62];
  }
  return id;
}

/** Produces ids and the current time; a plain object so tests can pass fixed ones. */
export interface IdClock {
  newId(): string;
  now(): Date;
}

export const systemIdClock: IdClock = { newId: () => newId(), now: () => new Date() };

/** RFC 3339 with milliseconds and `Z`, the form the AWS SDK parses for `date-time` members. */
export const toRfc3339 = (date: Date): string => date.toISOString();

/** What every new resource starts with: a fresh id, its ARN, its name, and its creation time as both times. */
export function newResourceBase(idClock: IdClock, arnOf: (id: string) => string, name: string | undefined) {
  const id = idClock.newId();
  const now = toRfc3339(idClock.now());
  return { id, arn: arnOf(id), name: name ?? '', createTime: now, updateTime: now };
}
