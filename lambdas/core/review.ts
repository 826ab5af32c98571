import type { Connection } from '../data/connections';
import { MessagingError } from '../shared/errors';
import {
  REVIEW_TIMEOUT_MS,
  ReviewRequest,
  ReviewVerdict,
  ReviewedMessage,
  fallbackVerdict,
  readReviewAnswer,
  reviewRequest,
} from '../domain/review';
import type { Room } from '../domain/room';
import { logger } from '../shared/logger';
import type { Metrics, ReviewHandlerInvoker } from './ports';

/**
 * Runs a SEND_MESSAGE of a room with a message review handler through that handler, before the
 * fan-out. Resolves with the content and attributes to deliver; a DENY is ERROR 406 to the sender,
 * whose message is the handler's `Attributes.Reason` when it gave one. A handler that fails, is
 * late or answers garbage gets the room's fallbackResult instead.
 */
export async function reviewMessage(
  deps: { reviewHandlers: ReviewHandlerInvoker; metrics: Metrics },
  room: Room,
  connection: Connection,
  message: ReviewedMessage,
): Promise<Omit<ReviewedMessage, 'id'>> {
  const handler = room.messageReviewHandler;
  if (!handler) return message;
  const request = reviewRequest(message, room.arn, {
    userId: connection.userId,
    attributes: connection.attributes,
    ip: connection.sourceIp,
  });
  const outcome = await invokeWithin(deps.reviewHandlers, handler.uri, request, REVIEW_TIMEOUT_MS);
  let verdict: ReviewVerdict | undefined =
    'answer' in outcome ? readReviewAnswer(outcome.answer, message, room.maximumMessageLength) : undefined;
  if (!verdict) {
    // Never the message or the answer: both may hold what the handler exists to keep out.
    logger.warn('message review handler failed, using the fallback result', {
      functionArn: handler.uri,
      roomId: room.id,
      fallbackResult: handler.fallbackResult,
      reason: 'failure' in outcome ? outcome.failure : 'the answer is not a valid review result',
    });
    deps.metrics.count('ReviewFallbacks', 1);
    verdict = fallbackVerdict(handler.fallbackResult, message);
  }
  if (verdict.result === 'DENY')
    throw new MessagingError(406, verdict.reason ?? "The message was denied by the room's message review handler");
  return { content: verdict.content, attributes: verdict.attributes };
}

/** The handler's answer, or why there is none; stops waiting (and aborts the call) after `ms`. */
async function invokeWithin(
  invoker: ReviewHandlerInvoker,
  functionArn: string,
  request: ReviewRequest,
  ms: number,
): Promise<{ answer: unknown } | { failure: string }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return { answer: await Promise.race([invoker.invoke(functionArn, request, controller.signal), late]) };
  } catch (err) {
    return { failure: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
