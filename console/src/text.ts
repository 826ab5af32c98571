/** The page's pure text helpers (no DOM): what the user types in, and what errors say. */

/** `key=value` lines (or `key: value` when there is no `=`) into a map; blank lines ignored. Throws on a line with no key. */
export function parsePairs(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.includes('=') ? line.indexOf('=') : line.indexOf(':');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    if (!key) throw new Error(`"${line}" has no key: write key=value`);
    pairs[key] = at < 0 ? '' : line.slice(at + 1).trim();
  }
  return pairs;
}

export const formatPairs = (pairs: Record<string, string> | undefined): string =>
  Object.entries(pairs ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

export const time = (date: Date | undefined): string =>
  date ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';

/** An error as the user should read it: the HTTP status, the service's error name, its message. */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as {
      errorCode?: number;
      errorMessage?: string;
      name?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
      status?: number;
    };
    // The messaging client rejects with the server's ERROR frame: {errorCode, errorMessage}.
    if (typeof e.errorCode === 'number') return `${e.errorCode} ${e.errorMessage ?? ''}`.trim();
    const status = httpStatus(err);
    if (status) return `${status} ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
    // fetch's TypeError: nothing answered, or a CORS refusal (the browser hides which).
    if (e.name === 'TypeError') return `Network error: ${e.message ?? ''} (is the service running, and does it allow this origin?)`;
    if (e.message) return e.message;
  }
  return String(err);
}

/** The HTTP status of a refused call: the SDK's in `$metadata`, the extensions client's in `status`. */
function httpStatus(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; status?: unknown } | undefined;
  return e?.$metadata?.httpStatusCode ?? (typeof e?.status === 'number' ? e.status : undefined);
}

/** A 4xx other than throttling: asking again would get the same answer. */
export function isClientError(err: unknown): boolean {
  const status = httpStatus(err);
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}
