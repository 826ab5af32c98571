import { isIP } from 'node:net';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { logger } from '../../lambdas/shared/logger';

/**
 * What both local ports (control plane, WebSocket) do at their edge, before a request costs
 * anything: Host check, timeouts, a connection cap, and body limits enforced from the headers.
 */

/**
 * Timeouts for `http.createServer`. A connection that sends nothing, or only part of its headers,
 * is closed after HEADERS_TIMEOUT_MS; a whole request (body included) may take REQUEST_TIMEOUT_MS;
 * an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS. Node checks the first two
 * only every `connectionsCheckingInterval` (30 s by default), hence the short interval.
 */
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const SERVER_OPTIONS: ServerOptions = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  connectionsCheckingInterval: 1_000,
  // Far above what any client sends; Node's default is 16 KiB, and 400 is answered above it.
  maxHeaderSize: 16 * 1024,
};

/**
 * After an early refusal, how much of the unread body is drained (so that the client reads the
 * answer) before the socket is cut; a slow one is cut at REQUEST_TIMEOUT_MS by Node.
 */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;
/** At most one "connection cap reached" line per port in this time. */
const DROP_LOG_INTERVAL_MS = 10_000;

/** Which Host header values a port answers (DNS rebinding: a page on another name must not reach it). */
export interface HostPolicy {
  names: ReadonlySet<string>;
  /** Listening on every interface: any IP literal names this machine (rebinding needs a DNS name). */
  anyAddress: boolean;
  any: boolean;
}

/** The listen address, `localhost` and the extra names; `*` among them turns the check off. */
export function hostPolicy(listenHost: string, extra: readonly string[]): HostPolicy {
  const bare = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  return {
    names: new Set([bare, 'localhost', ...extra.map((name) => name.toLowerCase())]),
    anyAddress: bare === '0.0.0.0' || bare === '::',
    any: extra.includes('*'),
  };
}

export function hostAllowed(policy: HostPolicy, header: string | undefined): boolean {
  if (policy.any) return true;
  if (!header) return false;
  // host, host:port, [v6], [v6]:port
  const name = (header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d*$/, '')).toLowerCase();
  if (policy.names.has(name)) return true;
  return policy.anyAddress && isIP(name) !== 0;
}

/**
 * Caps concurrent connections on a port (Node closes the ones over `maxConnections` as they
 * arrive) and says so, once in a while, so an operator can tell why clients are refused.
 */
export function capConnections(server: Server, port: () => number, maxConnections: number, what: string): void {
  server.maxConnections = maxConnections;
  let dropped = 0;
  let loggedAt = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - loggedAt < DROP_LOG_INTERVAL_MS) return;
    loggedAt = now;
    logger.warn(`connection cap reached: ${what} port ${port()} holds ${maxConnections} connections and refuses new ones`, {
      maxConnections,
      refusedSinceLastLine: dropped,
    });
    dropped = 0;
  });
}

/** True when the request declares a body longer than `limit` (Content-Length). */
export function declaresMoreThan(req: IncomingMessage, limit: number): boolean {
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > limit;
}

/**
 * The body, or undefined once it passes `limit` (a chunked body is cut off there: what follows is
 * not kept). Node's requestTimeout bounds how long it may take.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      chunks.length = 0;
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Answers a request whose body is not wanted (refused from its headers, or too large) without
 * keeping any of it. Node closes a connection as soon as a response ends while its body is unread,
 * and a client still writing the body then fails with EPIPE before it reads the answer. So the
 * answer goes out whole (with its length, so the client has it all), the body is drained, and the
 * response is ended when the body is; past DRAIN_LIMIT_BYTES the socket is cut.
 */
export function answerUnread(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  const payload = Buffer.from(body);
  res.writeHead(status, { ...headers, connection: 'close', 'content-length': String(payload.length) });
  if (req.complete) {
    res.end(payload);
    return;
  }
  res.write(payload);
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.once('end', () => res.end());
  req.resume();
}
