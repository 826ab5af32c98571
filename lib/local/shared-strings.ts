/** Distinct strings kept at most; past it the table starts again (strings already shared stay shared). */
const MAX_SHARED = 10_000;
/** Longer strings are not shared: the table holds at most MAX_SHARED of this length (a user agent is the client's to choose). */
const MAX_SHARED_LENGTH = 256;

/**
 * One copy of strings that many long-lived records repeat: every connection's record carries its
 * room's id and ARN, each a fresh string decoded from its chat token, which held about 110 bytes
 * per connection in the caches of local mode. `share(s)` answers the first string equal to `s` it
 * was given, so the records of one room point to one copy. Bounded, since clients choose some of
 * these strings: a full table is emptied and refilled, and long strings are not kept.
 */
function sharedStrings(): (value: string) => string {
  const table = new Map<string, string>();
  return (value) => {
    if (value.length > MAX_SHARED_LENGTH) return value;
    const shared = table.get(value);
    if (shared !== undefined) return shared;
    if (table.size >= MAX_SHARED) table.clear();
    table.set(value, value);
    return value;
  };
}

/** For what connections repeat: room ids and ARNs (table-cache.ts, connection-cache.ts), source addresses and user agents (ws-gateway.ts). */
export const shareRepeated = sharedStrings();

/**
 * A flat copy of a string built by concatenation (V8 keeps `a + b` as a rope of pieces, each its
 * own heap object, until the string is flattened): for strings kept long (the table's key ids and
 * item JSON, ids kept for a connection's life). Through UTF-8, which is exact for a well-formed
 * string; any other (a lone surrogate would not survive it) is answered as it is.
 */
export const flat = (text: string): string =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed() ? Buffer.from(text, 'utf8').toString('utf8') : text;
