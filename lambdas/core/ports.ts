import type { ChatLogEntry } from '../domain/chat-log';
import type { DestinationConfiguration } from '../domain/logging-configuration';
import type { ReviewRequest } from '../domain/review';

/**
 * The ports through which the core reaches the world outside DynamoDB. lambdas/adapters/ holds the
 * AWS implementations; local mode (lib/local/) plugs in its own, with the same semantics.
 */

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

/**
 * The port through which the messaging core calls a room's message review handler. On AWS it is a
 * Lambda Invoke; local mode plugs in an adapter that calls local modules in-process. Either way a
 * call resolves with the function's JSON answer, or rejects when the call or the function failed.
 * The core applies the 200 ms limit; `signal` aborts once the answer is no longer awaited.
 */
export interface ReviewHandlerInvoker {
  invoke(functionArn: string, event: ReviewRequest, signal: AbortSignal): Promise<unknown>;
}

/**
 * The port through which the chat log reaches a logging configuration's destination: the AWS
 * services on AWS, files under the data directory in local mode. A write gets one destination's
 * entries in the order they happened and keeps that order; it rejects if any could not be written
 * (the caller retries the whole call, so a destination may then hold some records twice).
 */
export interface ChatLogWriter {
  write(destination: DestinationConfiguration, entries: readonly ChatLogEntry[]): Promise<void>;
}
