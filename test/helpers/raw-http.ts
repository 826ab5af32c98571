import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Path as it goes on the wire (percent-encoded where needed), without the query. */
  path: string;
  /** Raw query string without '?'. */
  query?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * One HTTP request over its own connection (no keep-alive, so stopping a stack never waits on
 * an idle socket of ours), exactly as given: nothing is added but Host and Content-Length.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'POST',
        path: req.query ? `${req.path}?${req.query}` : req.path,
        // Node frames a GET body only when told its length.
        headers: { ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }), ...req.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export interface SignOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Sign the body without sending x-amz-content-sha256 (curl's way; the SDK adds the header). */
  withoutHashHeader?: boolean;
}

/**
 * The headers `@smithy/signature-v4` (the SDK's signer) produces for `req` sent to `baseUrl`:
 * the request's own headers plus host, x-amz-date, x-amz-content-sha256 and authorization.
 */
export async function signHeaders(baseUrl: string, req: RawRequest, opts: SignOptions = {}): Promise<Record<string, string>> {
  const url = new URL(baseUrl);
  const signer = new SignatureV4({
    credentials: opts.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
    region: opts.region ?? 'us-east-1',
    service: opts.service ?? 'ivschat',
    sha256: Sha256,
    applyChecksum: !opts.withoutHashHeader,
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(req.query ?? '')) {
    const prev = query[k];
    query[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: req.path,
      query,
      headers: { host: url.host, ...req.headers },
      body: req.body,
    },
    opts.signingDate ? { signingDate: opts.signingDate } : {},
  );
  return signed.headers;
}

/** A SigV4-signed request (test/test, us-east-1, ivschat unless told otherwise). */
export async function signedRequest(baseUrl: string, req: RawRequest, opts: SignOptions = {}): Promise<RawResponse> {
  return rawRequest(baseUrl, { ...req, headers: await signHeaders(baseUrl, req, opts) });
}

/** A signed `POST /<operation>` with a JSON body, as the SDK sends it. */
export function signedPost(baseUrl: string, operation: string, body: string | Buffer, opts: SignOptions = {}): Promise<RawResponse> {
  return signedRequest(baseUrl, { method: 'POST', path: `/${operation}`, headers: { 'content-type': 'application/json' }, body }, opts);
}

/** The response body as JSON (fails the test with the raw text if it is not JSON). */
export function json(res: RawResponse): Record<string, unknown> {
  try {
    return JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    throw new Error(`response body is not JSON: ${res.body}`);
  }
}
