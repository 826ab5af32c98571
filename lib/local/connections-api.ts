import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionGateway } from '../../lambdas/core/ports';
import { isAllowed } from './authorization';
import { HostPolicy, answerUnread, declaresMoreThan, hostAllowed, readBody } from './http-edge';
import type { Principal } from './settings';
import { precheckSigV4 } from './sigv4';

/** IAM action API Gateway checks on the @connections API. */
const MANAGE_CONNECTIONS = 'execute-api:ManageConnections';
/** PostToConnection's data limit: API Gateway's 128 KB WebSocket message payload. */
const MAX_POST_BYTES = 128 * 1024;

export interface ConnectionsApiOptions {
  region: string;
  principals: ReadonlyMap<string, Principal>;
  hosts: HostPolicy;
  connections: ConnectionGateway;
  /** What GetConnection reports, or undefined when the connection is not open. */
  describe(id: string): { connectedAt: number; lastActiveAt: number; sourceIp: string; userAgent: string } | undefined;
  /** True while the connection is open (inside its handshake it is not yet, as on API Gateway). */
  exists(id: string): boolean;
}

/**
 * POST/GET/DELETE /[stage/]@connections/{id}, signed with SigV4 for execute-api, as on AWS. Every
 * refusal that the request line and headers allow (Host, path, size, signature, permission) comes
 * before the body is read; the body is read only up to the API's own limit.
 */
export function connectionsApi(options: ConnectionsApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const headers = (errorType?: string): Record<string, string> => ({
      'content-type': 'application/json',
      'x-amzn-RequestId': randomUUID(),
      ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
    });
    const refuse = (status: number, message: string, errorType?: string) =>
      answerUnread(req, res, status, headers(errorType), JSON.stringify({ message }));
    const reply = (status: number, payload?: unknown, errorType?: string) => {
      res.writeHead(status, headers(errorType));
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };

    if (!hostAllowed(options.hosts, req.headers.host)) return refuse(403, 'Host not allowed', 'ForbiddenException');
    const url = req.url ?? '/';
    const [rawPath = '/', rawQuery = ''] = url.split('?');
    const match = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/.exec(rawPath);
    if (!match) return refuse(426, 'Upgrade Required: this is a WebSocket endpoint');
    if (declaresMoreThan(req, MAX_POST_BYTES)) return refuse(413, `Data larger than ${MAX_POST_BYTES} bytes`, 'PayloadTooLargeException');
    const checked = precheckSigV4(
      { method: req.method ?? '', rawPath, rawQuery, headers: req.headers },
      { region: options.region, services: ['execute-api'], lookup: (key) => options.principals.get(key), now: new Date() },
    );
    if (!('complete' in checked)) return refuse(403, checked.message, checked.code);
    if (!isAllowed(options.principals.get(checked.accessKeyId) as Principal, MANAGE_CONNECTIONS)) {
      return refuse(403, `not authorized to perform: ${MANAGE_CONNECTIONS}`, 'AccessDeniedException');
    }
    const body = await readBody(req, MAX_POST_BYTES);
    if (body === undefined) return refuse(413, `Data larger than ${MAX_POST_BYTES} bytes`, 'PayloadTooLargeException');
    const verdict = checked.complete(body);
    if (!verdict.ok) return reply(403, { message: verdict.message }, verdict.code);

    const id = decodeURIComponent(match[1] as string);
    const gone = () => reply(410, { message: `Connection ${id} is gone` }, 'GoneException');
    switch (req.method) {
      case 'POST':
        return (await options.connections.post(id, body.toString('utf8'))) ? reply(200) : gone();
      case 'GET': {
        const conn = options.describe(id);
        if (!conn) return gone();
        // The wire names are lowerCamel (the SDK maps them to ConnectedAt, Identity.SourceIp, ...).
        return reply(200, {
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        });
      }
      case 'DELETE':
        if (!options.exists(id)) return gone();
        await options.connections.disconnect(id);
        return reply(204);
      default:
        return reply(405, { message: 'Method not allowed' });
    }
  };
}
