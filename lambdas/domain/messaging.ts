import type { Capability } from './chat-token';
import { MessagingError, MessagingErrorCode } from '../shared/errors';
import { jsonDepthExceeds, topLevelString } from './json-text';
import { roomIdentifier } from './room';
import { Schema, check, freeText, isPlainObject, oneOf, optional, required, str, stringMap, struct } from './validate';

/**
 * The Messaging API's frames. Frames on the socket are PascalCase JSON, unlike the camelCase
 * control plane, and every server frame carries its own unique `Id` because the official client
 * drops any frame whose Id it has already seen.
 */

export type ClientAction =
  | { Action: 'SEND_MESSAGE'; RequestId?: string; Content: string; Attributes?: Record<string, string> }
  | { Action: 'DELETE_MESSAGE'; RequestId?: string; Id: string; Reason?: string }
  | { Action: 'DISCONNECT_USER'; RequestId?: string; UserId: string; Reason?: string };

/** The capability each action needs (receiving needs none). */
export const ACTION_CAPABILITY: Record<ClientAction['Action'], Capability> = {
  SEND_MESSAGE: 'SEND_MESSAGE',
  DELETE_MESSAGE: 'DELETE_MESSAGE',
  DISCONNECT_USER: 'DISCONNECT_USER',
};

/** API Gateway's WebSocket frame limit; larger requests are refused as too large (413). */
export const MAX_FRAME_BYTES = 128 * 1024;

const frameReason = optional(freeText({ min: 1, max: 256 }));
const frameRequestId = optional(freeText());

/** Each action's frame, in the schema language of the control plane's inputs (domain/validate.ts). */
const CLIENT_ACTIONS: { [A in ClientAction['Action']]: Schema<Extract<ClientAction, { Action: A }>> } = {
  SEND_MESSAGE: struct({
    Action: required(oneOf(['SEND_MESSAGE'])),
    RequestId: frameRequestId,
    Content: required(freeText()),
    Attributes: optional(stringMap({ key: freeText(), value: freeText() })),
  }),
  DELETE_MESSAGE: struct({
    Action: required(oneOf(['DELETE_MESSAGE'])),
    RequestId: frameRequestId,
    Id: required(str({ min: 12, max: 12, pattern: /^[a-zA-Z0-9]+$/ })),
    Reason: frameReason,
  }),
  DISCONNECT_USER: struct({
    Action: required(oneOf(['DISCONNECT_USER'])),
    RequestId: frameRequestId,
    // Well-formed: user ids are compared once encoded (see str()).
    UserId: required(str({ min: 1, max: 128 })),
    Reason: frameReason,
  }),
};

/**
 * Parses a client frame. A frame that cannot be parsed still yields its RequestId when it has one,
 * so the client's pending promise can be settled by the ERROR.
 */
export function parseClientAction(text: string): { action?: ClientAction; requestId?: string; error?: MessagingError } {
  // Refusals still read the RequestId (without parsing the whole text): the official client
  // settles a request only on an ERROR that echoes it.
  if (Buffer.byteLength(text) > MAX_FRAME_BYTES) {
    return { requestId: topLevelString(text, 'RequestId'), error: new MessagingError(413, `Request larger than ${MAX_FRAME_BYTES} bytes`) };
  }
  if (jsonDepthExceeds(text)) {
    return { requestId: topLevelString(text, 'RequestId'), error: new MessagingError(400, 'Request is nested too deeply') };
  }
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { requestId: topLevelString(text, 'RequestId'), error: new MessagingError(400, 'Request is not valid JSON') };
  }
  if (!isPlainObject(frame)) return { error: new MessagingError(400, 'Request must be a JSON object') };
  const requestId = typeof frame.RequestId === 'string' ? frame.RequestId : undefined;
  const schema: Schema<ClientAction> | undefined =
    typeof frame.Action === 'string' && Object.hasOwn(CLIENT_ACTIONS, frame.Action)
      ? CLIENT_ACTIONS[frame.Action as ClientAction['Action']]
      : undefined;
  if (!schema) {
    const action = typeof frame.Action === 'string' ? frame.Action.slice(0, 64) : String(frame.Action);
    return { requestId, error: new MessagingError(400, `Unknown Action: ${action}`) };
  }
  const { value: action, errors } = check(schema, frame);
  if (!action)
    return { requestId, error: new MessagingError(400, errors.map((e) => `${e.name}: ${e.message}`).join('; ') || 'Invalid request') };
  return { requestId, action };
}

/** Content length in code points ("runes"), as the room's maximumMessageLength counts it. */
export const contentLength = (content: string): number => [...content].length;

export interface MessageFrame {
  id: string;
  requestId?: string;
  content: string;
  attributes?: Record<string, string>;
  sendTime: string;
  sender: { userId: string; attributes: Record<string, string> };
}

export const messageFrame = (m: MessageFrame): string =>
  JSON.stringify({
    Type: 'MESSAGE',
    Id: m.id,
    RequestId: m.requestId ?? '',
    Attributes: m.attributes ?? null,
    Content: m.content,
    SendTime: m.sendTime,
    Sender: { UserId: m.sender.userId, Attributes: m.sender.attributes },
  });

export interface EventFrame {
  id: string;
  /** "" when the event comes from the HTTP API, as AWS sends it. */
  requestId?: string;
  eventName: string;
  attributes?: Record<string, string>;
  sendTime: string;
}

export const eventFrame = (e: EventFrame): string =>
  JSON.stringify({
    Type: 'EVENT',
    Id: e.id,
    RequestId: e.requestId ?? '',
    EventName: e.eventName,
    Attributes: e.attributes ?? {},
    SendTime: e.sendTime,
  });

export const errorFrame = (e: { id: string; requestId?: string; code: MessagingErrorCode; message: string }): string =>
  JSON.stringify({
    Type: 'ERROR',
    Id: e.id,
    ...(e.requestId === undefined ? {} : { RequestId: e.requestId }),
    ErrorCode: e.code,
    ErrorMessage: e.message,
  });

export const DELETE_MESSAGE_EVENT = 'aws:DELETE_MESSAGE';
export const DISCONNECT_USER_EVENT = 'aws:DISCONNECT_USER';

/**
 * Attributes of aws:DELETE_MESSAGE. The current docs name `MessageId`, but the official JS client
 * reads only the older `MessageID` and drops the event without it: both are sent.
 */
export const deleteMessageAttributes = (messageId: string, reason?: string): Record<string, string> => ({
  MessageId: messageId,
  MessageID: messageId,
  ...(reason === undefined ? {} : { Reason: reason }),
});

export const disconnectUserAttributes = (userId: string, reason?: string): Record<string, string> => ({
  UserId: userId,
  ...(reason === undefined ? {} : { Reason: reason }),
});

const reason = str({ min: 1, max: 256 });

export const sendEventInput = struct({
  roomIdentifier: required(roomIdentifier),
  // `aws:` names are the service's own events (aws:DELETE_MESSAGE, aws:DISCONNECT_USER); letting a
  // caller send one would let it forge a deletion or a kick in every client.
  eventName: required(str({ min: 1, max: 100, pattern: /^(?!aws:)/ })),
  // AWS documents "1 KB total" for event attributes.
  attributes: optional(stringMap({ key: str({ min: 1 }), value: str(), maxTotalBytes: 1024 })),
});

export const deleteMessageInput = struct({
  roomIdentifier: required(roomIdentifier),
  id: required(str({ min: 12, max: 12, pattern: /^[a-zA-Z0-9]+$/ })),
  reason: optional(reason),
});

export const disconnectUserInput = struct({
  roomIdentifier: required(roomIdentifier),
  userId: required(str({ min: 1, max: 128 })),
  reason: optional(reason),
});
