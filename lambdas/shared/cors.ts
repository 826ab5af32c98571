/**
 * The opt-in CORS of the control plane, in one place for the two that answer browsers: API
 * Gateway's own responses (lib/constructs/control-plane-api.ts) and the handlers' (http.ts).
 * Pure: CDK code imports it.
 */

/** `*` or one origin as browsers send it (scheme, host, optional port): it goes between quotes into API Gateway mapping expressions. */
const ORIGIN_PATTERN = /^(\*|https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?)$/;

export const isCorsOrigin = (value: string): boolean => ORIGIN_PATTERN.test(value);

/** Response headers the SDK reads: the error type picks the exception class, the request id goes in $metadata. */
export const CORS_EXPOSE_HEADERS = ['x-amzn-ErrorType', 'x-amzn-RequestId'];

/**
 * The headers that let a page on `origin` read an answer; none without an origin. `Vary` only for
 * one named origin: a cache must not hand its answer to another origin's page (`*` is the same for all).
 */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(','),
    ...(origin === '*' ? {} : { vary: 'Origin' }),
  };
}
