import { decodePageToken, encodePageToken, filterFingerprint } from '../domain/pagination';

/** A List operation's request: its filters, and the page the caller asks for. */
export interface PageRequest {
  /** The operation's name: a token of one List operation is refused by another. */
  operation: string;
  /** The filters the token was made for; the same token with other filters is refused. */
  filters: Record<string, string | undefined>;
  nextToken?: string;
  maxResults?: number;
  /** AWS's default (and largest) page of the operation. */
  defaultMaxResults: number;
  /** What a position read back from a token must look like (the store's sort keys). */
  positions: RegExp;
}

/**
 * The one paging helper of the List operations: the caller's nextToken is opened against its
 * filters, the store reads one page after that position, and the page's last position is sealed
 * into the next token (none after the last page).
 */
export async function readPage<T>(
  request: PageRequest,
  read: (query: { limit: number; after?: string }) => Promise<{ items: T[]; last?: string }>,
): Promise<{ items: T[]; nextToken?: string }> {
  const fingerprint = filterFingerprint(request.operation, request.filters);
  const { items, last } = await read({
    limit: request.maxResults ?? request.defaultMaxResults,
    after: request.nextToken ? decodePageToken(request.nextToken, fingerprint, request.positions) : undefined,
  });
  return { items, ...(last ? { nextToken: encodePageToken(last, fingerprint) } : {}) };
}
