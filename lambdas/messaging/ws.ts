import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { messagingErrorOf } from '../shared/errors';
import { logger } from '../shared/logger';

/** The WebSocket event API Gateway gives $connect, $disconnect and $default Lambdas. */
export type WsEvent = Omit<APIGatewayProxyWebsocketEventV2, 'requestContext'> & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { identity?: { sourceIp?: string; userAgent?: string } };
  /** $connect only: the handshake's headers (the chat token is in Sec-WebSocket-Protocol). */
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
};
export type WsHandler = middy.MiddyfiedHandler<WsEvent, APIGatewayProxyResult>;

/**
 * Wraps a WebSocket route as a Lambda handler: one log line per event (route, status, latency,
 * connection id; never the token, which travels in a header), and errors answered with their
 * Messaging API code as the status, which on $connect refuses the handshake. `okLevel` is the
 * level of the line when the route answered: $default's is debug, since it is every chat message
 * (a busy room would write a hundred lines a second, and writing them cost more than the message's
 * own work); the API Gateway stage's access log has a line per message on AWS anyway.
 */
export function wsHandler(
  route: string,
  run: (event: WsEvent) => Promise<APIGatewayProxyResult>,
  okLevel: 'info' | 'debug' = 'info',
): WsHandler {
  const startedAt = new WeakMap<object, number>();
  const log = (request: middy.Request<WsEvent, APIGatewayProxyResult>, level: 'info' | 'debug') =>
    logger[level]('ws', {
      route,
      status: request.response?.statusCode,
      latencyMs: Math.round((performance.now() - (startedAt.get(request) ?? performance.now())) * 100) / 100,
      connectionId: request.event.requestContext.connectionId,
      requestId: request.event.requestContext.requestId,
    });
  return middy(run).use({
    before: (request) => {
      startedAt.set(request, performance.now());
    },
    after: (request) => log(request, request.response?.statusCode === 200 ? okLevel : 'info'),
    onError: (request) => {
      const { code, message } = messagingErrorOf(request.error);
      request.response = { statusCode: code, body: message };
      log(request, 'info');
    },
  });
}
