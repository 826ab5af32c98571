import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionGateway } from '../../lambdas/core/ports';
import { randomBase64url } from '../../lambdas/domain/ids';
import { logger } from '../../lambdas/shared/logger';
import type { WsEvent } from '../../lambdas/messaging/ws';
import { connectionsApi } from './connections-api';
import { HostPolicy, SERVER_OPTIONS, capConnections, hostAllowed } from './http-edge';
import { listen } from './listen';
import { shareRepeated } from './shared-strings';
import type { Principal } from './settings';
import { lastFrameEncoder } from './ws-frames';

export type WsProxyHandler = (event: WsEvent, context: never) => Promise<APIGatewayProxyResult>;

export interface WsGatewayOptions {
  host: string;
  port: number;
  region: string;
  principals: readonly Principal[];
  routes: { connect: WsProxyHandler; disconnect: WsProxyHandler; default: WsProxyHandler };
  /** Host header values answered (handshakes and @connections calls); browsers' Origin is not checked. */
  hosts: HostPolicy;
  /** Concurrent TCP connections on the port; more are refused as they arrive. */
  maxConnections: number;
  /**
   * Seconds between pings. A peer that has not echoed the previous ping's payload by the next one is
   * dropped: it is gone, or it does not read (unsolicited pongs do not count).
   */
  heartbeatSeconds?: number;
}

export interface RunningWsGateway {
  url: string;
  /** Base URL of the @connections management API (the stage path is optional locally). */
  connectionsEndpoint: string;
  /** The in-process ConnectionGateway: writes frames to the sockets of this gateway directly. */
  connections: ConnectionGateway;
  close(): Promise<void>;
}

const STAGE = 'local';
/** Connection and message ids: 12 random bytes, 16 base64url characters, as API Gateway's. */
const ID_BYTES = 12;

/**
 * API Gateway's WebSocket message payload limit. A larger message closes the connection with 1009
 * (message too big), as API Gateway does; `ws` refuses it from the frame header, before buffering.
 */
const MAX_MESSAGE_BYTES = 128 * 1024;
/**
 * Inbound: one connection's frames run one after the other. When the frames waiting hold this
 * many bytes (each counted with FRAME_OVERHEAD_BYTES, what a queued frame costs beyond its text),
 * the socket is paused (TCP backpressure) instead of buffering: a flood slows its sender only.
 * `ws` hands over every frame of a chunk already read, so the queue may pass the bound by one
 * read (64 KiB) before the pause takes hold.
 */
const MAX_QUEUED_BYTES = 128 * 1024;
const FRAME_OVERHEAD_BYTES = 64;
/**
 * Inbound pacing per connection, refilled every second: frames past it wait in the queue (and the
 * socket is paused) until the next second. Far above an honest client (a room accepts at most 100
 * messages a second from everyone together, each at most a few KB), so one connection cannot take
 * the process's CPU from the others.
 */
const FRAMES_PER_SECOND = 200;
const BYTES_PER_SECOND = 1024 * 1024;
/** Outbound: a connection whose unsent data would pass this is dropped (it does not read). */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** After a protocol error: how long the close frame gets to go out before the socket is cut. */
const CLOSE_FLUSH_MS = 500;
/** On shutdown: how long clients get to answer the close before their sockets are cut. */
const CLOSE_GRACE_MS = 2_000;
/** On shutdown: the most time given to handler runs in flight (queued frames are dropped). */
const DRAIN_GRACE_MS = 5_000;

interface Live {
  id: string;
  socket: WebSocket;
  /** The TCP socket under `socket`: posts write whole, ready-made frames to it (see textFrame). */
  raw: Socket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** Frames waiting to run, in the order the client sent them; one runs at a time. */
  queue: { body: string; isBinary: boolean; size: number }[];
  queuedBytes: number;
  /** The frame running now (and its successors, one after the other), if any. */
  running?: Promise<void>;
  /** This second's inbound budget (fields of the connection, not an object of their own: one fewer per connection). */
  framesLeft: number;
  bytesLeft: number;
  budgetResetAt: number;
  /** Set while the budget is spent: runs the queue again when the second turns. */
  budgetTimer?: NodeJS.Timeout;
  /** Dropped (too much unsent data, shutdown): its queued frames are skipped, posts answer gone. */
  dropped: boolean;
  /** The payload of the last ping, until the peer echoes it. */
  awaited?: Buffer;
  /** The heartbeat wheel's slot this connection is pinged in. */
  slot: number;
}

/**
 * The sockets of live connections carry their Live, so that one set of event handlers serves every
 * socket (`this` is the socket) instead of four closures per connection.
 */
class LiveSocket extends WebSocket {
  conn: Live | undefined = undefined;
}

/**
 * Pings every connection once a period, from one timer for all: connection c is pinged at the
 * seconds s where s mod period is the second it connected in, so the pings of many connections
 * stay spread over the period as separate timers spread them, without a timer (and its closure)
 * per connection. `each` runs for the connections due; the timer runs only while some are held.
 */
function heartbeatWheel(periodSeconds: number, each: (conn: Live) => void) {
  const slots = Array.from({ length: periodSeconds }, () => new Set<Live>());
  let held = 0;
  let tick = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    add: (conn: Live) => {
      // The slot just run (or about to be, when none has): this connection's first ping is a period away.
      conn.slot = tick % periodSeconds;
      (slots[conn.slot] as Set<Live>).add(conn);
      held++;
      timer ??= setInterval(() => {
        tick += 1;
        for (const due of slots[tick % periodSeconds] as Set<Live>) each(due);
      }, 1000);
    },
    remove: (conn: Live) => {
      if (!(slots[conn.slot] as Set<Live>).delete(conn)) return;
      held--;
      if (held === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
}

/**
 * The local stand-in for an API Gateway WebSocket API: each socket gets a connection id, and its
 * life is handed to the $connect / $default / $disconnect Lambda handlers as the same events API
 * Gateway sends. $connect's answer decides the handshake: a non-200 refuses it, and the subprotocol
 * the handler returns is the one selected (the chat token, echoed). The @connections API is served
 * on the same port, and `connections` gives the handlers the same semantics in-process.
 */
export async function startWsGateway(options: WsGatewayOptions): Promise<RunningWsGateway> {
  const live = new Map<string, Live>();
  /**
   * Connections whose $connect is still running. As on API Gateway, the @connections API cannot
   * reach them yet: a post or a close answers gone (see lambdas/core/sessions.ts for what that means).
   */
  const pending = new Set<string>();
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: LiveSocket,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (_protocols, req) => (req as IncomingMessage & { selectedProtocol?: string }).selectedProtocol ?? false,
  });
  const principals = new Map(options.principals.map((p) => [p.accessKeyId, p]));
  let domainName = '';
  let closing = false;
  /** Handler runs in progress, so a shutdown can wait for $disconnect to finish its writes. */
  const work = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    work.add(promise);
    void promise.finally(() => work.delete(promise)).catch(() => undefined);
    return promise;
  };
  const encoded = lastFrameEncoder();
  // A pong counts only when it echoes the last ping's random payload: a peer can echo it only
  // once it has read everything sent before that ping, so a peer that answers blindly (or
  // never reads) is dropped within two heartbeats.
  const heartbeats = heartbeatWheel(options.heartbeatSeconds ?? 30, (conn) => {
    if (conn.awaited) return drop(conn, 'no answer to the last ping');
    conn.awaited = randomBytes(8);
    conn.socket.ping(conn.awaited);
  });

  /** Cuts a connection off: its record goes with $disconnect, and posts to it answer gone from now on. */
  const drop = (conn: Live, why: string) => {
    if (conn.dropped) return;
    conn.dropped = true;
    logger.info('connection dropped', { reason: why });
    conn.socket.terminate();
  };

  /** Sockets written to in this turn of the event loop, corked until it ends. */
  const corked = new Set<Socket>();
  const uncorkAll = () => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  };
  const postNow = (id: string, frame: string): boolean => {
    const conn = live.get(id);
    if (!conn || conn.dropped || conn.socket.readyState !== WebSocket.OPEN) return false;
    const bytes = encoded(frame);
    // A peer that does not read leaves its data here: past the bound it is dropped, as API
    // Gateway drops it, and the room's other receivers never wait for it. The count includes what
    // this turn has corked for it (below): a reader that keeps up is far from 1 MiB per turn.
    if (conn.raw.writableLength + bytes.length > MAX_UNSENT_BYTES) {
      drop(conn, `more than ${MAX_UNSENT_BYTES} bytes unsent`);
      return false;
    }
    // One write of a whole frame, as ws would send it; ws writes only whole frames too (pings,
    // the close), so they never interleave. The socket stays corked until this turn of the event
    // loop ends: the frames one turn sends it (a backlog of messages, each with its fan-out, runs
    // in one turn) leave in one writev, one system call instead of one per frame; those are most
    // of a big room's cost, and the readers' too.
    if (!corked.has(conn.raw)) {
      conn.raw.cork();
      corked.add(conn.raw);
      if (corked.size === 1) setImmediate(uncorkAll);
    }
    conn.raw.write(bytes);
    return true;
  };
  const connections: ConnectionGateway = {
    post: async (id, frame) => postNow(id, frame),
    postNow,
    disconnect: async (id) => {
      live.get(id)?.socket.close(1000);
    },
  };

  const baseEvent = (
    id: string,
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    info: { connectedAt: number; sourceIp: string; userAgent: string },
  ): WsEvent => ({
    requestContext: {
      routeKey,
      eventType,
      messageId: eventType === 'MESSAGE' ? randomBase64url(ID_BYTES) : '',
      extendedRequestId: randomUUID(),
      requestTime: new Date().toUTCString(),
      messageDirection: 'IN',
      stage: STAGE,
      connectedAt: info.connectedAt,
      requestTimeEpoch: Date.now(),
      requestId: randomUUID(),
      domainName,
      connectionId: id,
      apiId: 'local',
      identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
    },
    isBase64Encoded: false,
  });

  const refill = (conn: Live, now: number) => {
    if (now >= conn.budgetResetAt) {
      conn.framesLeft = FRAMES_PER_SECOND;
      conn.bytesLeft = BYTES_PER_SECOND;
      conn.budgetResetAt = now + 1000;
    }
  };

  /**
   * Runs a connection's queued frames one after the other, as far as this second's budget allows;
   * then waits for the next second. Reading from the socket is paused while the queue is full and
   * resumed once it has room: the client's own TCP window then holds what it sends, not this process.
   */
  const pump = (conn: Live) => {
    if (conn.running || conn.budgetTimer) return;
    conn.running = track(
      (async () => {
        while (!conn.dropped && conn.queue.length > 0) {
          const now = Date.now();
          refill(conn, now);
          if (conn.framesLeft <= 0 || conn.bytesLeft <= 0) {
            conn.budgetTimer = setTimeout(() => {
              conn.budgetTimer = undefined;
              pump(conn);
            }, conn.budgetResetAt - now);
            break;
          }
          const frame = conn.queue.shift() as Live['queue'][number];
          conn.queuedBytes -= frame.size;
          conn.framesLeft--;
          conn.bytesLeft -= frame.size;
          if (conn.socket.isPaused && conn.queuedBytes < MAX_QUEUED_BYTES / 2) conn.socket.resume();
          try {
            await options.routes.default(
              { ...baseEvent(conn.id, '$default', 'MESSAGE', conn), body: frame.body, isBase64Encoded: frame.isBinary },
              undefined as never,
            );
          } catch {
            // $default answers its own errors with an ERROR frame; a throw here is the handler's bug.
          }
        }
      })().finally(() => (conn.running = undefined)),
    );
  };

  const onUpgrade = async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // A handshake `ws` would refuse must not reach $connect: it would record a connection that
    // never opens. A foreign Host is refused first (DNS rebinding); any Origin may connect, as
    // on AWS, since chat pages are served from anywhere.
    if (!hostAllowed(options.hosts, req.headers.host)) {
      refuseHandshake(socket, 403);
      return;
    }
    const version = req.headers['sec-websocket-version'];
    if (closing || !/^[A-Za-z0-9+/]{22}==$/.test(req.headers['sec-websocket-key'] ?? '') || (version !== '8' && version !== '13')) {
      refuseHandshake(socket, closing ? 503 : 400);
      return;
    }
    // The HTTP server's timeouts end here: the heartbeat watches the socket from now on.
    socket.setTimeout(0);
    const id = randomBase64url(ID_BYTES);
    // The address and user agent as one copy for all the connections that share them (shared-strings.ts).
    const info = {
      connectedAt: Date.now(),
      sourceIp: shareRepeated(req.socket.remoteAddress ?? ''),
      userAgent: shareRepeated(req.headers['user-agent'] ?? ''),
    };
    pending.add(id);
    // The client may go away while $connect runs, or the upgrade may fail after it: then the socket
    // never becomes live, and its $disconnect must still run so that no record is left behind.
    let connected = false;
    let gone = false;
    const abandon = () => {
      if (!pending.delete(id)) return;
      const event = { ...baseEvent(id, '$disconnect', 'DISCONNECT', info), disconnectStatusCode: 1006, disconnectReason: '' };
      void track(options.routes.disconnect(event as WsEvent, undefined as never)).catch(() => undefined);
    };
    const onClose = () => {
      gone = true;
      if (connected) abandon();
    };
    socket.once('close', onClose);
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      headers[name] = req.rawHeaders[i + 1] as string;
      (multiValueHeaders[name] ??= []).push(req.rawHeaders[i + 1] as string);
    }
    let result: APIGatewayProxyResult;
    try {
      result = await track(
        options.routes.connect({ ...baseEvent(id, '$connect', 'CONNECT', info), headers, multiValueHeaders }, undefined as never),
      );
    } catch {
      result = { statusCode: 500, body: '' };
    }
    if (result.statusCode !== 200) {
      pending.delete(id);
      refuseHandshake(socket, result.statusCode);
      return;
    }
    connected = true;
    if (gone || socket.destroyed || closing) {
      abandon();
      if (!socket.destroyed) socket.destroy();
      return;
    }
    const selected = Object.entries(result.headers ?? {}).find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1];
    (req as IncomingMessage & { selectedProtocol?: string }).selectedProtocol = selected === undefined ? undefined : String(selected);
    wss.handleUpgrade(req, socket, head, (ws) => {
      pending.delete(id);
      // Live now: its close is the socket's (onSocketClose); the listener above would only hold
      // this handshake's state for the connection's life.
      socket.off('close', onClose);
      const conn: Live = {
        id,
        socket: ws,
        raw: socket,
        ...info,
        lastActiveAt: Date.now(),
        queue: [],
        queuedBytes: 0,
        framesLeft: FRAMES_PER_SECOND,
        bytesLeft: BYTES_PER_SECOND,
        budgetResetAt: Date.now() + 1000,
        dropped: false,
        slot: 0,
      };
      live.set(id, conn);
      (ws as LiveSocket).conn = conn;
      ws.on('pong', onPong);
      heartbeats.add(conn);
      ws.on('message', onMessage);
      ws.on('error', onSocketError);
      ws.on('close', onSocketClose);
    });
  };

  // One handler of each event for every live socket; `this` is the socket, which carries its Live.
  function onPong(this: WebSocket, data: Buffer) {
    const conn = (this as LiveSocket).conn as Live;
    if (conn.awaited && data.equals(conn.awaited)) conn.awaited = undefined;
  }
  function onMessage(this: WebSocket, data: Buffer, isBinary: boolean) {
    const conn = (this as LiveSocket).conn as Live;
    if (conn.dropped) return;
    conn.lastActiveAt = Date.now();
    const size = data.length + FRAME_OVERHEAD_BYTES;
    conn.queue.push({ body: isBinary ? data.toString('base64') : data.toString(), isBinary, size });
    conn.queuedBytes += size;
    if (conn.queuedBytes >= MAX_QUEUED_BYTES) this.pause();
    pump(conn);
  }
  function onSocketError(this: WebSocket) {
    // A message over the limit, bad UTF-8, a bad opcode: ws sends the close (1009, 1007,
    // 1002) and would read on for 30 s waiting for the client's; stop reading instead, let the
    // close go out, then cut the socket.
    const { raw } = (this as LiveSocket).conn as Live;
    process.nextTick(() => raw.pause());
    setTimeout(() => this.terminate(), CLOSE_FLUSH_MS).unref();
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const conn = (this as LiveSocket).conn as Live;
    heartbeats.remove(conn);
    clearTimeout(conn.budgetTimer);
    conn.dropped = true;
    conn.queue.length = 0;
    live.delete(conn.id);
    const event = {
      ...baseEvent(conn.id, '$disconnect', 'DISCONNECT', conn),
      disconnectStatusCode: code,
      disconnectReason: reason.toString(),
    };
    void track(
      Promise.resolve(conn.running)
        .then(() => options.routes.disconnect(event as WsEvent, undefined as never))
        .catch(() => undefined),
    );
  }

  const serveConnectionsApi = connectionsApi({
    region: options.region,
    principals,
    hosts: options.hosts,
    connections,
    describe: (id) => live.get(id),
    exists: (id) => live.has(id),
  });
  const server = createServer(SERVER_OPTIONS, (req, res) => {
    // A caller that hangs up mid-body, or a malformed id, must cost that request only.
    serveConnectionsApi(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void onUpgrade(req, socket, head).catch(() => socket.destroy());
  });
  capConnections(server, () => port, options.maxConnections, 'WebSocket');

  const { port, authority } = await listen(server, options.port, options.host);
  domainName = authority;
  return {
    url: `ws://${authority}`,
    connectionsEndpoint: `http://${authority}/${STAGE}`,
    connections,
    close: async () => {
      closing = true;
      // What clients had queued is dropped with their connections; only runs already in a
      // handler finish, so a flood cannot hold a shutdown up.
      for (const conn of live.values()) {
        conn.dropped = true;
        conn.queue.length = 0;
        conn.socket.close(1001, 'server shutting down');
      }
      // Give clients a moment to answer the close, then cut the rest; $disconnect runs either way.
      const deadline = Date.now() + CLOSE_GRACE_MS;
      while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of live.values()) conn.socket.terminate();
      await Promise.race([Promise.all([...work]), new Promise((r) => setTimeout(r, DRAIN_GRACE_MS).unref())]);
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function refuseHandshake(socket: Socket, status: number): void {
  const text =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[
      status
    ] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
