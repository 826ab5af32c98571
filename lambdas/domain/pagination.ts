import { createHash } from 'node:crypto';
import { ValidationException } from '../shared/errors';

/**
 * Opaque `nextToken`s. A token holds only a position inside one listing (the sort key of the last
 * item returned) and a fingerprint of the request's filters. The position must match the listing's
 * sort-key shape and the fingerprint the request's filters, so a token cannot be turned into a read
 * of another partition, another listing or another filter: any other token is a ValidationException.
 */
interface TokenBody {
  v: 1;
  p: string;
  f: string;
}

/** A short, stable digest of the filters a listing was asked with. */
export function filterFingerprint(listing: string, filters: Record<string, string | undefined>): string {
  const canonical = JSON.stringify([
    listing,
    ...Object.keys(filters)
      .sort()
      .map((k) => [k, filters[k] ?? null]),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodePageToken(position: string, fingerprint: string): string {
  const body: TokenBody = { v: 1, p: position, f: fingerprint };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a token stands for, after checking it belongs to this listing and these filters. */
export function decodePageToken(token: string, fingerprint: string, positionPattern: RegExp): string {
  let body: Partial<TokenBody> | undefined;
  try {
    body = /^[A-Za-z0-9_-]+$/.test(token) ? JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  if (!body || body.v !== 1 || typeof body.p !== 'string' || !positionPattern.test(body.p) || body.f !== fingerprint) {
    throw ValidationException.forFields([
      { name: 'nextToken', message: 'The pagination token is invalid or belongs to a request with other filters' },
    ]);
  }
  return body.p;
}
