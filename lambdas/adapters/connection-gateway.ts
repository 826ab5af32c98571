import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import type { ConnectionGateway } from '../core/ports';
import { ENV } from '../shared/env';

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

/**
 * Without an @connections endpoint a process can reach no socket. That is a configuration fault
 * (CDK wires the endpoint into every function that posts), so it fails loudly. It must not answer
 * "gone", which would make a fan-out delete the records of live connections.
 */
export const noConnections: ConnectionGateway = {
  post: () => Promise.reject(new Error(`${ENV.connectionsEndpoint} is not set: this function cannot reach connections`)),
  disconnect: () => Promise.reject(new Error(`${ENV.connectionsEndpoint} is not set: this function cannot reach connections`)),
};
