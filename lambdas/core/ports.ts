import type { ChatLogEntry } from '../domain/chat-log';
import type { DestinationConfiguration } from '../domain/logging-configuration';
import type { ReviewRequest } from '../domain/review';
import type { ShardMessage } from '../domain/shards';

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
  /**
   * Sends one frame; false when the connection is gone (its record is stale). Any other failure
   * rejects, with a PostFailure when the adapter can tell why (anything else counts as 'other').
   */
  post(connectionId: string, frame: string): Promise<boolean>;
  /**
   * Optional, for a gateway that holds the sockets in this process (local mode): sends one frame at
   * once, with post's answer (true sent, false gone) and without a promise. A big room's fan-out
   * then costs what a plain loop over its sockets costs. A throw counts as a failed post, which is
   * retried through `post`.
   */
  postNow?(connectionId: string, frame: string): boolean;
  /** Closes a connection from the server side; a connection already gone is not an error. */
  disconnect(connectionId: string): Promise<void>;
}

/**
 * Why a post failed, when the connection is not gone: the account's API Gateway throttle answered
 * 429 (LimitExceededException), the service failed (5xx), the request never got an answer
 * (network, timeout), or anything else. Every kind is worth a retry within the fan-out's deadline.
 */
export type PostFailureKind = 'throttled' | 'server' | 'network' | 'other';
export const POST_FAILURE_KINDS: readonly PostFailureKind[] = ['throttled', 'server', 'network', 'other'];

/** A post that failed for a reason other than "gone", as a gateway adapter classified it. */
export class PostFailure extends Error {
  override readonly name = 'PostFailure';
  constructor(
    readonly kind: PostFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The kind of a post's rejection; an adapter's own unclassified errors are 'other'. */
export const postFailureKindOf = (err: unknown): PostFailureKind => (err instanceof PostFailure ? err.kind : 'other');

/**
 * What the handlers count, as CloudWatch metrics on AWS (EMF lines in the function's log, flushed
 * once per invocation) and as in-memory counters in local mode and tests.
 */
export type MetricName = 'Messages' | 'Deliveries' | 'Gone' | 'Throttled' | 'Retried' | 'Dropped' | 'ReviewFallbacks';
export interface Metrics {
  count(name: MetricName, value: number): void;
  /** Writes what was counted since the last publish (once per invocation); a no-op where nothing is written. */
  publish(): void;
}

/**
 * The port through which a fan-out hands shards of a big room to other invocations: an SQS FIFO
 * queue on AWS, whose message group is the room's shard. Resolves with the shards it could not hand
 * over, which the caller delivers itself.
 */
export interface ShardDispatcher {
  dispatch(shards: readonly ShardMessage[]): Promise<ShardMessage[]>;
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
