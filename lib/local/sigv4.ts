/**
 * AWS Signature Version 4 verification for local mode, where this process stands in for
 * API Gateway's AWS_IAM authorizer. It must accept exactly what the AWS SDK for JavaScript v3
 * (`@smithy/signature-v4`) produces and reject everything else with the error codes and
 * messages AWS services answer, so that SDK error handling behaves as it does against AWS.
 *
 * Deliberately dependency-free (node:crypto only): the verifier is security-relevant and
 * small enough to audit in one sitting.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An incoming HTTP request, as received on the wire (nothing decoded or normalised yet). */
export interface SignedRequest {
  /** HTTP method, e.g. 'GET', 'POST'. */
  method: string;
  /** Path exactly as received, still percent-encoded, e.g. '/tags/arn%3Aaws%3Aivschat%3A...'. */
  rawPath: string;
  /** Query string as received, without the leading '?' ('' if none). */
  rawQuery: string;
  /** Node's `IncomingMessage.headers` (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The complete request body ('' → empty buffer). */
  body: Buffer;
}

/** An access key pair known to the local emulator. */
export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a valid signature has to be bound to. */
export interface VerifyOptions {
  /** Region that the credential scope must name. */
  region: string;
  /** Service names accepted in the credential scope, e.g. ['ivschat', 'execute-api']. */
  services: readonly string[];
  /** Resolves an access key id to its secret; `undefined` means "unknown key". */
  lookup: (accessKeyId: string) => Credential | undefined;
  /** The verifier's clock; injected so that tests and callers control it. */
  now: Date;
  /** Allowed clock difference between signer and verifier. Default 5 minutes, as AWS. */
  maxSkewMs?: number;
}

/** Error codes as AWS services return them in the `x-amzn-ErrorType` header / `__type` field. */
export type SigV4ErrorCode =
  'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException';

/** Outcome of {@link verifySigV4}. Messages never contain secrets or the expected signature. */
export type VerifyResult = { ok: true; accessKeyId: string } | { ok: false; code: SigV4ErrorCode; message: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;
// AWS caps presigned URLs at one week.
const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 60 * 60;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

type Failure = Extract<VerifyResult, { ok: false }>;

const fail = (code: SigV4ErrorCode, message: string): Failure => ({ ok: false, code, message });
const incomplete = (message: string): Failure => fail('IncompleteSignatureException', message);
const invalid = (message: string): Failure => fail('InvalidSignatureException', message);

/** The signature parameters, whichever of the two transports (header or query) carried them. */
interface AuthParams {
  presigned: boolean;
  credential: string;
  signedHeaders: string[];
  signature: string;
  /** Request timestamp in basic ISO 8601, exactly as it enters the string to sign. */
  amzDate: string;
  requestTime: number;
  /** Presigned URLs only: X-Amz-Expires in seconds. */
  expiresS?: number;
}

interface QueryParam {
  /** Decoded name, used for lookups. */
  name: string;
  /** Strictly re-encoded name and value, used for the canonical query string. */
  encName: string;
  encValue: string;
  /** Decoded value. */
  value: string;
}

/**
 * Verifies an AWS SigV4-signed request (Authorization header or presigned query string),
 * mirroring the checks and messages of API Gateway's AWS_IAM authorization.
 *
 * Pure and synchronous: all context (clock, keys, expected scope) comes from `opts`.
 */
export function verifySigV4(req: SignedRequest, opts: VerifyOptions): VerifyResult {
  const checked = precheckSigV4(req, opts);
  return 'complete' in checked ? checked.complete(req.body) : checked;
}

/**
 * What can be checked before the body is read: a signature that is missing, malformed, out of
 * scope or time, or made with an unknown key fails here, from the headers alone, so that such a
 * request costs no body read. `complete(body)` then checks the payload hash and the signature.
 */
export type Precheck = Failure | { accessKeyId: string; complete(body: Buffer): VerifyResult };

export function precheckSigV4(req: Omit<SignedRequest, 'body'>, opts: VerifyOptions): Precheck {
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const query = parseQuery(req.rawQuery);
  const authHeader = getHeader(req.headers, 'authorization');

  let parsed: AuthParams | Failure;
  if (authHeader !== undefined) {
    parsed = parseAuthorizationHeader(authHeader, req.headers);
  } else if (query.some((p) => p.name === 'X-Amz-Signature' || p.name === 'X-Amz-Algorithm')) {
    parsed = parsePresignedQuery(query);
  } else {
    return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  if ('ok' in parsed) return parsed;
  const auth = parsed;

  // Binding the signature to the host is what stops a request signed for one endpoint being
  // replayed against another; AWS refuses signatures that leave it out.
  if (!auth.signedHeaders.includes('host')) {
    return invalid(
      auth.presigned
        ? "'Host' or ':authority' must be a 'SignedHeader' in the AWS query-string parameters."
        : "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }

  const scope = auth.credential.split('/');
  if (scope.length !== 5) {
    return incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${auth.credential}'`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = scope as [string, string, string, string, string];
  const requestDay = auth.amzDate.slice(0, 8);
  if (scopeDate !== requestDay) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${requestDay}', from '${auth.amzDate}'.`,
    );
  }
  if (scopeRegion !== opts.region) {
    return invalid('Credential should be scoped to a valid region.');
  }
  if (!opts.services.includes(scopeService)) {
    return invalid(`Credential should be scoped to correct service: '${opts.services[0] ?? ''}'.`);
  }
  if (terminator !== TERMINATOR) {
    return invalid(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`);
  }

  const timeFailure = checkTime(auth, opts.now.getTime(), maxSkewMs);
  if (timeFailure) return timeFailure;

  const credential = accessKeyId === '' ? undefined : opts.lookup(accessKeyId);
  if (!credential) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  const canonicalHeaders: string[] = [];
  for (const name of auth.signedHeaders) {
    const value = getHeader(req.headers, name);
    if (value === undefined) {
      return invalid(`The request is missing the signed header '${name}'.`);
    }
    canonicalHeaders.push(`${name}:${canonicalHeaderValue(value)}\n`);
  }

  const prefix = [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQuery(query),
    canonicalHeaders.join(''),
    auth.signedHeaders.join(';'),
  ].join('\n');
  const credentialScope = `${scopeDate}/${scopeRegion}/${scopeService}/${TERMINATOR}`;
  const signingKey = deriveSigningKey(credential.secretAccessKey, scopeDate, scopeRegion, scopeService);
  const provided = Buffer.from(auth.signature, 'utf8');

  // Presigned URLs may be signed over either the real body hash or UNSIGNED-PAYLOAD (the SDK
  // presigner uses the former, S3-style presigners the latter) and the URL doesn't say which.
  const matchSignature = (payloadHashes: string[]): VerifyResult => {
    let matched = false;
    for (const payloadHash of payloadHashes) {
      const canonicalRequest = `${prefix}\n${payloadHash}`;
      const stringToSign = [ALGORITHM, auth.amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
      const expected = Buffer.from(createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex'), 'utf8');
      // Constant-time compare so response timing leaks nothing about the expected signature.
      if (expected.length === provided.length && timingSafeEqual(expected, provided)) matched = true;
    }
    return matched ? { ok: true, accessKeyId } : invalid(SIGNATURE_MISMATCH);
  };
  const complete = (body: Buffer): VerifyResult => {
    const payloadHashes = candidatePayloadHashes({ ...req, body }, query, auth.presigned);
    return 'ok' in payloadHashes ? payloadHashes : matchSignature(payloadHashes);
  };
  return { accessKeyId, complete };
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
function parseAuthorizationHeader(header: string, headers: SignedRequest['headers']): AuthParams | Failure {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return incomplete(`Authorization header requires the '${ALGORITHM}' algorithm.`);
  }
  const params = new Map<string, string>();
  // AWS tolerates any mix of commas and whitespace between the three components; none of
  // their values can contain either.
  for (const part of (space < 0 ? '' : trimmed.slice(space)).split(/[\s,]+/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      // AWS hashes the offending header rather than echoing it, since it may carry secrets.
      const hashed = createHash('sha256').update(header, 'utf8').digest('base64');
      return incomplete(
        `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed}'.`,
      );
    }
    const key = part.slice(0, eq);
    if (!params.has(key)) params.set(key, part.slice(eq + 1));
  }

  const problems: string[] = [];
  const credential = params.get('Credential') ?? '';
  const signedHeaders = params.get('SignedHeaders') ?? '';
  const signature = params.get('Signature') ?? '';
  if (credential === '') problems.push("Authorization header requires 'Credential' parameter.");
  if (signature === '') problems.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === '') problems.push("Authorization header requires 'SignedHeaders' parameter.");

  const amzDateHeader = getHeader(headers, 'x-amz-date');
  const dateHeader = getHeader(headers, 'date');
  let time: { amzDate: string; ms: number } | undefined;
  if (amzDateHeader !== undefined) {
    time = parseBasicIso(amzDateHeader.trim());
  } else if (dateHeader !== undefined) {
    // The Date header is usually RFC 7231 (IMF-fixdate); the string to sign then carries
    // its basic ISO 8601 form.
    time = parseBasicIso(dateHeader.trim()) ?? parseHttpDate(dateHeader);
  }
  if (amzDateHeader === undefined && dateHeader === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  } else if (!time) {
    problems.push(
      `Date must be in ISO-8601 'basic format'. Got '${amzDateHeader ?? dateHeader ?? ''}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  if (problems.length > 0 || !time) return incomplete(problems.join(' '));

  return {
    presigned: false,
    credential,
    signedHeaders: signedHeaders.toLowerCase().split(';'),
    signature,
    amzDate: time.amzDate,
    requestTime: time.ms,
  };
}

/** Reads the X-Amz-* parameters of a presigned URL. */
function parsePresignedQuery(query: QueryParam[]): AuthParams | Failure {
  const get = (name: string): string | undefined => query.find((p) => p.name === name)?.value;
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];
  const missing = required.filter((name) => !get(name));
  if (missing.length > 0) {
    return incomplete(
      `${missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' ')} Re-examine the query-string parameters.`,
    );
  }
  if (get('X-Amz-Algorithm') !== ALGORITHM) {
    return incomplete(`X-Amz-Algorithm only supports '${ALGORITHM}'.`);
  }
  const rawDate = get('X-Amz-Date') ?? '';
  const time = parseBasicIso(rawDate);
  if (!time) {
    return incomplete(`Date must be in ISO-8601 'basic format'. Got '${rawDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  let expiresS: number | undefined;
  const rawExpires = get('X-Amz-Expires');
  if (rawExpires !== undefined) {
    if (!/^\d{1,9}$/.test(rawExpires)) {
      return incomplete('X-Amz-Expires should be a number.');
    }
    expiresS = Number(rawExpires);
    if (expiresS > MAX_PRESIGN_EXPIRES_S) {
      return invalid(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGN_EXPIRES_S}.`);
    }
  }
  return {
    presigned: true,
    credential: get('X-Amz-Credential') ?? '',
    signedHeaders: (get('X-Amz-SignedHeaders') ?? '').toLowerCase().split(';'),
    signature: get('X-Amz-Signature') ?? '',
    amzDate: time.amzDate,
    requestTime: time.ms,
    ...(expiresS === undefined ? {} : { expiresS }),
  };
}

/**
 * Replay window: header-signed requests must be within ±maxSkew of now; presigned URLs are
 * valid from (date - maxSkew) until (date + X-Amz-Expires).
 */
function checkTime(auth: AuthParams, nowMs: number, maxSkewMs: number): Failure | undefined {
  const skew = formatSkew(maxSkewMs);
  if (auth.requestTime > nowMs + maxSkewMs) {
    return invalid(
      `Signature not yet current: ${auth.amzDate} is still later than ${basicIso(nowMs + maxSkewMs)} (${basicIso(nowMs)} + ${skew}.)`,
    );
  }
  if (auth.presigned && auth.expiresS !== undefined) {
    const expiresMs = auth.expiresS * 1000;
    if (auth.requestTime < nowMs - expiresMs) {
      return invalid(
        `Signature expired: ${auth.amzDate} is now earlier than ${basicIso(nowMs - expiresMs)} (${basicIso(nowMs)} - ${auth.expiresS} sec.)`,
      );
    }
    return undefined;
  }
  if (auth.requestTime < nowMs - maxSkewMs) {
    return invalid(`Signature expired: ${auth.amzDate} is now earlier than ${basicIso(nowMs - maxSkewMs)} (${basicIso(nowMs)} - ${skew}.)`);
  }
  return undefined;
}

/**
 * Payload hashes to try. The body is always hashed for real: a client-supplied
 * x-amz-content-sha256 is only trusted after it has been checked against the body, so the
 * signature always covers the bytes we actually received.
 */
function candidatePayloadHashes(req: SignedRequest, query: QueryParam[], presigned: boolean): string[] | Failure {
  const bodyHash = sha256Hex(req.body);
  const declared =
    getHeader(req.headers, 'x-amz-content-sha256')?.trim() ??
    (presigned ? query.find((p) => p.name === 'X-Amz-Content-Sha256')?.value : undefined);
  // UNSIGNED-PAYLOAD would leave the body outside the signature; it is accepted only when there
  // is no body to protect (GET, DELETE, presigned URLs), so a signed request's body is never forgeable.
  const unsignedAllowed = req.body.length === 0;
  if (declared === undefined) {
    return presigned && unsignedAllowed ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash];
  }
  if (declared === UNSIGNED_PAYLOAD) {
    return unsignedAllowed ? [UNSIGNED_PAYLOAD] : invalid('UNSIGNED-PAYLOAD is not accepted for a request with a body: sign the body.');
  }
  if (declared.toLowerCase() !== bodyHash) {
    return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  // The signer signed the header's literal value, so that is what goes into the canonical request.
  return [declared];
}

/**
 * Canonical URI as the AWS JS SDK v3 computes it for non-S3 services: the wire path is
 * normalised (empty, '.' and '..' segments removed, as RFC 3986 / the SigV4 spec require and
 * as @smithy/signature-v4 does) and then every segment is URI-encoded a *second* time, because
 * the signer escapes the already-escaped path it is given.
 */
function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const path = `${leading}${segments.map((s) => uriEncode(Buffer.from(s, 'utf8'))).join('/')}${trailing}`;
  return path === '' ? '/' : path;
}

/** Canonical query string: every pair decoded once, strictly re-encoded, sorted by name then value. */
function canonicalQuery(query: QueryParam[]): string {
  return (
    query
      // The signature cannot sign itself; the SDK drops the parameter case-insensitively.
      .filter((p) => p.name.toLowerCase() !== 'x-amz-signature')
      .map((p) => [p.encName, p.encValue] as const)
      .sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv))
      .map(([n, v]) => `${n}=${v}`)
      .join('&')
  );
}

function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    // '+' is deliberately not treated as a space: SigV4 signers emit %20, so a literal '+'
    // on the wire was meant as '+'.
    const nameBytes = percentDecode(eq < 0 ? piece : piece.slice(0, eq));
    const valueBytes = percentDecode(eq < 0 ? '' : piece.slice(eq + 1));
    params.push({
      name: nameBytes.toString('utf8'),
      value: valueBytes.toString('utf8'),
      encName: uriEncode(nameBytes),
      encValue: uriEncode(valueBytes),
    });
  }
  return params;
}

/**
 * Decodes %XX escapes to raw bytes. Working on bytes (not decodeURIComponent) keeps malformed
 * escapes and non-UTF-8 octets intact instead of throwing or substituting U+FFFD.
 */
function percentDecode(s: string): Buffer {
  const parts: Buffer[] = [];
  let literal = '';
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      if (literal !== '') {
        parts.push(Buffer.from(literal, 'utf8'));
        literal = '';
      }
      parts.push(Buffer.from([parseInt(hex, 16)]));
      i += 2;
    } else {
      literal += s[i];
    }
  }
  if (literal !== '') parts.push(Buffer.from(literal, 'utf8'));
  return Buffer.concat(parts);
}

/** RFC 3986 strict encoding: only A-Z a-z 0-9 - _ . ~ pass through, the rest become upper-case %XX. */
function uriEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      (b >= 0x30 && b <= 0x39) ||
      b === 0x2d ||
      b === 0x5f ||
      b === 0x2e ||
      b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Same whitespace folding as @smithy/signature-v4, which is what the signature was computed over. */
function canonicalHeaderValue(value: string): string {
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

function getHeader(headers: SignedRequest['headers'], name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    // Node lower-cases names, but hand-built requests (tests, other adapters) may not.
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(value)) return value.map(canonicalHeaderValue).join(',');
  return value;
}

/** Parses 'YYYYMMDDTHHMMSSZ', rejecting impossible dates such as month 13. */
function parseBasicIso(s: string): { amzDate: string; ms: number } | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  return basicIso(ms) === s ? { amzDate: s, ms } : undefined;
}

function parseHttpDate(s: string): { amzDate: string; ms: number } | undefined {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  const whole = Math.floor(ms / 1000) * 1000;
  return { amzDate: basicIso(whole), ms: whole };
}

function basicIso(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function formatSkew(ms: number): string {
  return ms % 60000 === 0 ? `${ms / 60000} min` : `${ms / 1000} sec`;
}

/**
 * Signing keys already derived, by secret, date, region and service: a key serves every request of
 * its day, so four HMACs per request become a lookup (as the SDK's signer caches them too).
 */
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEYS_KEPT = 64;

/** The SigV4 signing key of a secret, day, region and service; the last 64 are kept. */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\n${date}\n${region}\n${service}`;
  const known = signingKeys.get(id);
  if (known) return known;
  let key: Buffer = Buffer.from(`AWS4${secret}`, 'utf8');
  for (const part of [date, region, service, TERMINATOR]) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.clear();
  signingKeys.set(id, key);
  return key;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// Code-unit comparison: canonical strings are ASCII, so this is the byte order AWS sorts by.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
