import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiClientConfig,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { ConnectionGateway, PostFailure, PostFailureKind } from '../core/ports';
import { ENV } from '../shared/env';

/** Longest a single post may take before that connection alone is given up on. */
const POST_TIMEOUT_MS = 3_000;

/** Error names API Gateway gives a throttled request (LimitExceededException is the documented one). */
const THROTTLE_NAMES = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException']);

/**
 * What an SDK error of PostToConnection means: gone (410), throttled (429, the account's shared
 * API Gateway budget), server (5xx), network (no HTTP answer at all: reset, refused, timed out),
 * or other (403, 413 and the like).
 */
export function classifyPostError(err: unknown): 'gone' | PostFailureKind {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (err instanceof GoneException || e?.name === 'GoneException' || status === 410) return 'gone';
  if (status === 429 || THROTTLE_NAMES.has(e?.name ?? '')) return 'throttled';
  if (status !== undefined && status >= 500) return 'server';
  if (status === undefined) return 'network';
  return 'other';
}

/**
 * The AWS adapter: PostToConnection / DeleteConnection on the stage's @connections endpoint. A post
 * is one attempt (the fan-out core retries it, with its own deadline and counts); a close keeps the
 * SDK's own retries, as closes are best-effort and not counted.
 */
export function createManagementApiGateway(options: {
  endpoint: string;
  region: string;
  clientConfig?: Partial<ApiGatewayManagementApiClientConfig>;
}): ConnectionGateway {
  // As many sockets as the shard worker has posts in flight (core/shards.ts SHARD_PARALLELISM).
  const keepAlive = { keepAlive: true, maxSockets: 128 };
  const requestHandler = new NodeHttpHandler({
    httpsAgent: new Agent(keepAlive),
    httpAgent: new HttpAgent(keepAlive),
    requestTimeout: POST_TIMEOUT_MS,
    // requestTimeout starts once connected: without this a slow connect would be unbounded.
    connectionTimeout: 1_000,
  });
  const config = { endpoint: options.endpoint, region: options.region, requestHandler, ...options.clientConfig };
  const poster = new ApiGatewayManagementApiClient({ ...config, maxAttempts: 1 });
  const closer = new ApiGatewayManagementApiClient(config);
  const isGone = (err: unknown) => classifyPostError(err) === 'gone';
  return {
    post: async (ConnectionId, frame) => {
      try {
        await poster.send(new PostToConnectionCommand({ ConnectionId, Data: Buffer.from(frame) }));
        return true;
      } catch (err) {
        const kind = classifyPostError(err);
        if (kind === 'gone') return false;
        throw new PostFailure(kind, `PostToConnection failed: ${(err as Error).name}`, { cause: err });
      }
    },
    disconnect: async (ConnectionId) => {
      try {
        await closer.send(new DeleteConnectionCommand({ ConnectionId }));
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
