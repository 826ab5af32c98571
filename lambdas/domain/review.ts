import { contentLength } from './messaging';
import type { FallbackResult } from './room';
import { check, freeText, oneOf, optional, required, stringMap, struct } from './validate';

/**
 * A room's message review handler: the event AWS sends the Lambda function for every SEND_MESSAGE,
 * and how its answer is read. Keys are PascalCase, like the Messaging API's frames.
 */
export interface ReviewRequest {
  /** The message as the sender wrote it. */
  Content: string;
  /** The id the message is delivered with if it is allowed. */
  MessageId: string;
  RoomArn: string;
  /** The message's attributes (`{}` when it has none). */
  Attributes: Record<string, string>;
  /** The sender: the chat token's user id and attributes, and the connection's client IP. */
  Sender: { UserId: string; Attributes: Record<string, string>; Ip: string };
}

/** What happens to a reviewed message. */
export type ReviewVerdict = { result: 'ALLOW'; content: string; attributes?: Record<string, string> } | { result: 'DENY'; reason?: string };

/** AWS gives every review handler 200 ms to answer, a limit that cannot be changed. */
export const REVIEW_TIMEOUT_MS = 200;

export interface ReviewedMessage {
  id: string;
  content: string;
  attributes?: Record<string, string>;
}

export function reviewRequest(
  message: ReviewedMessage,
  roomArn: string,
  sender: { userId: string; attributes: Record<string, string>; ip?: string },
): ReviewRequest {
  return {
    Content: message.content,
    MessageId: message.id,
    RoomArn: roomArn,
    Attributes: message.attributes ?? {},
    Sender: { UserId: sender.userId, Attributes: sender.attributes, Ip: sender.ip ?? '' },
  };
}

/**
 * Reads a handler's answer `{ReviewResult, Content?, Attributes?}`. Undefined when it is not a valid
 * answer, in which case the room's fallbackResult applies, as AWS does for a handler that fails.
 * On ALLOW the returned Content and Attributes replace the message's; a member left out keeps the
 * original (AWS leaves this case undocumented, and its sample handlers always return both). The
 * room's maximumMessageLength holds for returned content too: a longer one is not a valid answer.
 * On DENY, `Attributes.Reason` is what the sender is told.
 */
export function readReviewAnswer(answer: unknown, original: ReviewedMessage, maximumMessageLength: number): ReviewVerdict | undefined {
  const read = check(REVIEW_ANSWER, answer).value;
  if (!read) return undefined;
  const attributes = read.Attributes;
  if (read.ReviewResult === 'DENY') {
    const reason = attributes?.Reason;
    return reason ? { result: 'DENY', reason } : { result: 'DENY' };
  }
  // Content is read only on ALLOW: a DENY's Content does not matter.
  const allowed = check(ALLOW_CONTENT, answer).value;
  if (!allowed) return undefined;
  const content = allowed.Content ?? original.content;
  if (contentLength(content) > maximumMessageLength) return undefined;
  return { result: 'ALLOW', content, attributes: attributes ?? original.attributes };
}

/** A handler's answer, in the schema language of the control plane's inputs (domain/validate.ts). */
const REVIEW_ANSWER = struct({
  ReviewResult: required(oneOf(['ALLOW', 'DENY'])),
  Attributes: optional(stringMap({ key: freeText(), value: freeText() })),
});
const ALLOW_CONTENT = struct({ Content: optional(freeText()) });

/** The room's fallbackResult, for a handler that failed, was late or answered garbage: ALLOW keeps the message as sent. */
export function fallbackVerdict(fallback: FallbackResult, original: ReviewedMessage): ReviewVerdict {
  return fallback === 'ALLOW' ? { result: 'ALLOW', content: original.content, attributes: original.attributes } : { result: 'DENY' };
}
