import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';

/**
 * The port through which the messaging core reaches open WebSocket connections. On AWS it is the
 * API Gateway Management API (@connections); local mode plugs in an adapter that writes to its
 * sockets directly, with the same semantics: an unknown or closed connection is "gone".
 */
export interface ConnectionGateway {
  /** Sends one frame; false when the connection is gone (its record is stale). */
  post(connectionId: string, frame: string): Promise<boolean>;
  /** Closes a connection from the server side; a connection already gone is not an error. */
  disconnect(connectionId: string): Promise<void>;
}

/** Longest a single post may take before that connection alone is given up on. */
const POST_TIMEOUT_MS = 3_000;

/** The AWS adapter: PostToConnection / DeleteConnection on the stage's @connections endpoint. */
export function createManagementApiGateway(options: { endpoint: string; region: string }): ConnectionGateway {
  const keepAlive = { keepAlive: true, maxSockets: 64 };
  const client = new ApiGatewayManagementApiClient({
    endpoint: options.endpoint,
    region: options.region,
    requestHandler: new NodeHttpHandler({
      httpsAgent: new Agent(keepAlive),
      httpAgent: new HttpAgent(keepAlive),
      requestTimeout: POST_TIMEOUT_MS,
    }),
  });
  const isGone = (err: unknown) => err instanceof GoneException || (err as Error).name === 'GoneException';
  return {
    post: async (ConnectionId, frame) => {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId, Data: Buffer.from(frame) }));
        return true;
      } catch (err) {
        if (isGone(err)) return false;
        throw err;
      }
    },
    disconnect: async (ConnectionId) => {
      try {
        await client.send(new DeleteConnectionCommand({ ConnectionId }));
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    },
  };
}
