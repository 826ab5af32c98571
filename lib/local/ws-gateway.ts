import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionGateway } from '../../lambdas/shared/connection-gateway';
import type { WsEvent } from '../../lambdas/shared/ws';
import { isAllowed } from './authorization';
import type { Principal } from './settings';
import { listen } from './listen';
import { verifySigV4 } from './sigv4';

export type WsProxyHandler = (event: WsEvent, context: never) => Promise<APIGatewayProxyResult>;

export interface WsGatewayOptions {
  host: string;
  port: number;
  region: string;
  principals: readonly Principal[];
  routes: { connect: WsProxyHandler; disconnect: WsProxyHandler; default: WsProxyHandler };
  /** Seconds between pings; a peer that misses one is dropped, as API Gateway drops idle sockets. */
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
/** IAM action API Gateway checks on the @connections API. */
const MANAGE_CONNECTIONS = 'execute-api:ManageConnections';

interface Live {
  socket: WebSocket;
  /** The TCP socket under `socket`: posts write whole, ready-made frames to it (see textFrame). */
  raw: Duplex;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** Frames of this connection run one after the other, in the order the client sent them. */
  queue: Promise<void>;
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
  /** Connections whose $connect is still running: frames for them wait, they are not "gone". */
  const pending = new Map<string, { frames: string[]; closeRequested: boolean }>();
  const wss = new WebSocketServer({
    noServer: true,
    // Bounds what one frame can make the server buffer and parse. Frames above API Gateway's
    // 128 KB still get a 413 ERROR from $default (friendlier than a close); beyond this, 1009.
    maxPayload: 1024 * 1024,
    handleProtocols: (_protocols, req) => (req as IncomingMessage & { selectedProtocol?: string }).selectedProtocol ?? false,
  });
  const principals = new Map(options.principals.map((p) => [p.accessKeyId, p]));
  let domainName = '';
  /** Handler runs in progress, so a shutdown can wait for $disconnect to finish its writes. */
  const work = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    work.add(promise);
    void promise.finally(() => work.delete(promise)).catch(() => undefined);
    return promise;
  };

  /**
   * A fan-out posts one frame to every connection of a room, one after the other: the last frame is
   * kept encoded, so a broadcast encodes it once rather than once per connection.
   */
  let lastFrame: { text: string; encoded: Buffer } | undefined;
  const encoded = (text: string): Buffer => {
    if (lastFrame?.text !== text) lastFrame = { text, encoded: textFrame(text) };
    return lastFrame.encoded;
  };

  const connections: ConnectionGateway = {
    post: async (id, frame) => {
      const waiting = pending.get(id);
      if (waiting) {
        waiting.frames.push(frame);
        return true;
      }
      const conn = live.get(id);
      if (!conn || conn.socket.readyState !== WebSocket.OPEN) return false;
      // One write of a whole frame, as ws would send it; ws writes only whole frames too (pings,
      // the close), so they never interleave.
      conn.raw.write(encoded(frame));
      return true;
    },
    disconnect: async (id) => {
      const waiting = pending.get(id);
      if (waiting) waiting.closeRequested = true;
      live.get(id)?.socket.close(1000);
    },
  };

  const baseEvent = (id: string, routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', info: { connectedAt: number; sourceIp: string; userAgent: string }): WsEvent => ({
    requestContext: {
      routeKey,
      eventType,
      messageId: eventType === 'MESSAGE' ? randomBytes(12).toString('base64url') : '',
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

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A handshake `ws` would refuse must not reach $connect: it would record a connection that
    // never opens.
    const version = req.headers['sec-websocket-version'];
    if (!/^[A-Za-z0-9+/]{22}==$/.test(req.headers['sec-websocket-key'] ?? '') || (version !== '8' && version !== '13')) {
      refuseHandshake(socket, 400);
      return;
    }
    const id = randomBytes(12).toString('base64url');
    const info = { connectedAt: Date.now(), sourceIp: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? '' };
    pending.set(id, { frames: [], closeRequested: false });
    // The client may go away while $connect runs, or the upgrade may fail after it: then the socket
    // never becomes live, and its $disconnect must still run so that no record is left behind.
    let connected = false;
    let gone = false;
    const abandon = () => {
      if (!pending.delete(id)) return;
      const event = { ...baseEvent(id, '$disconnect', 'DISCONNECT', info), disconnectStatusCode: 1006, disconnectReason: '' };
      void track(options.routes.disconnect(event as WsEvent, undefined as never)).catch(() => undefined);
    };
    socket.once('close', () => {
      gone = true;
      if (connected) abandon();
    });
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      headers[name] = req.rawHeaders[i + 1] as string;
      (multiValueHeaders[name] ??= []).push(req.rawHeaders[i + 1] as string);
    }
    let result: APIGatewayProxyResult;
    try {
      result = await track(options.routes.connect({ ...baseEvent(id, '$connect', 'CONNECT', info), headers, multiValueHeaders }, undefined as never));
    } catch {
      result = { statusCode: 500, body: '' };
    }
    if (result.statusCode !== 200) {
      pending.delete(id);
      refuseHandshake(socket, result.statusCode);
      return;
    }
    connected = true;
    if (gone || socket.destroyed) {
      abandon();
      return;
    }
    const selected = Object.entries(result.headers ?? {}).find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1];
    (req as IncomingMessage & { selectedProtocol?: string }).selectedProtocol = selected === undefined ? undefined : String(selected);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const waiting = pending.get(id);
      pending.delete(id);
      const conn: Live = { socket: ws, raw: socket, ...info, lastActiveAt: Date.now(), queue: Promise.resolve() };
      live.set(id, conn);
      let alive = true;
      ws.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, (options.heartbeatSeconds ?? 30) * 1000);
      ws.on('message', (data, isBinary) => {
        conn.lastActiveAt = Date.now();
        const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
        const event = { ...baseEvent(id, '$default', 'MESSAGE', info), body, isBase64Encoded: isBinary };
        conn.queue = track(conn.queue.then(() => options.routes.default(event, undefined as never).then(() => undefined, () => undefined)));
      });
      ws.on('close', (code, reason) => {
        clearInterval(heartbeat);
        live.delete(id);
        const event = { ...baseEvent(id, '$disconnect', 'DISCONNECT', info), disconnectStatusCode: code, disconnectReason: reason.toString() };
        void track(conn.queue.then(() => options.routes.disconnect(event as WsEvent, undefined as never)).catch(() => undefined));
      });
      ws.on('error', () => ws.terminate());
      for (const frame of waiting?.frames ?? []) ws.send(frame);
      if (waiting?.closeRequested) ws.close(1000);
    });
  };

  const server = createServer((req, res) => {
    // A caller that hangs up mid-body, or a malformed id, must cost that request only.
    serveConnectionsApi(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    void onUpgrade(req, socket, head).catch(() => socket.destroy());
  });

  /** POST/GET/DELETE /[stage/]@connections/{id}, signed with SigV4 for execute-api, as on AWS. */
  const serveConnectionsApi = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const [rawPath = '/', rawQuery = ''] = url.split('?');
    const reply = (status: number, payload?: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-RequestId': randomUUID(),
        ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(rawPath);
    if (!match) return reply(426, { message: 'Upgrade Required: this is a WebSocket endpoint' });
    const verdict = verifySigV4(
      { method: req.method ?? '', rawPath, rawQuery, headers: req.headers, body },
      { region: options.region, services: ['execute-api'], lookup: (key) => principals.get(key), now: new Date() },
    );
    if (!verdict.ok) return reply(403, { message: verdict.message }, verdict.code);
    if (!isAllowed(principals.get(verdict.accessKeyId) as Principal, MANAGE_CONNECTIONS)) {
      return reply(403, { message: `not authorized to perform: ${MANAGE_CONNECTIONS}` }, 'AccessDeniedException');
    }
    const id = decodeURIComponent(match[1] as string);
    const conn = live.get(id);
    const gone = () => reply(410, { message: `Connection ${id} is gone` }, 'GoneException');
    switch (req.method) {
      case 'POST':
        return (await connections.post(id, body.toString('utf8'))) ? reply(200) : gone();
      case 'GET':
        if (!conn) return gone();
        // The wire names are lowerCamel (the SDK maps them to ConnectedAt, Identity.SourceIp, ...).
        return reply(200, {
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        });
      case 'DELETE':
        if (!conn && !pending.has(id)) return gone();
        await connections.disconnect(id);
        return reply(204);
      default:
        return reply(405, { message: 'Method not allowed' });
    }
  };

  const { authority } = await listen(server, options.port, options.host);
  domainName = authority;
  return {
    url: `ws://${authority}`,
    connectionsEndpoint: `http://${authority}/${STAGE}`,
    connections,
    close: async () => {
      for (const conn of live.values()) conn.socket.close(1001, 'server shutting down');
      // Give clients a moment to answer the close, then drop the rest; $disconnect runs either way.
      const deadline = Date.now() + 2_000;
      while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of live.values()) conn.socket.terminate();
      while (work.size > 0) await Promise.all([...work]);
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * A text frame as a server sends it (RFC 6455, 5.2): FIN set, opcode 1, no mask, then the payload
 * length in 7, 7+16 or 7+64 bits, then the UTF-8 payload; one buffer, so one write per connection.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

function refuseHandshake(socket: Duplex, status: number): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
