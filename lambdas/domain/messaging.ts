import type { Capability } from './chat-token';
import { MessagingError, MessagingErrorCode } from '../shared/errors';
import { jsonDepthExceeds, topLevelString } from './json-text';
import { roomIdentifier } from './room';
import { isWellFormed, optional, required, str, stringMap, struct } from './validate';

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
const MESSAGE_ID = /^[a-zA-Z0-9]{12}$/;

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
  if (!isObject(frame)) return { error: new MessagingError(400, 'Request must be a JSON object') };
  const requestId = typeof frame.RequestId === 'string' ? frame.RequestId : undefined;
  const fail = (message: string) => ({ requestId, error: new MessagingError(400, message) });
  if (frame.RequestId !== undefined && requestId === undefined) return fail('RequestId must be a string');
  const base = requestId === undefined ? {} : { RequestId: requestId };
  switch (frame.Action) {
    case 'SEND_MESSAGE': {
      if (typeof frame.Content !== 'string') return fail('Content is required and must be a string');
      if (frame.Attributes !== undefined && frame.Attributes !== null && !isStringMap(frame.Attributes)) {
        return fail('Attributes must be a map of strings to strings');
      }
      const attributes = isStringMap(frame.Attributes) ? { Attributes: frame.Attributes } : {};
      return { requestId, action: { Action: 'SEND_MESSAGE', ...base, Content: frame.Content, ...attributes } };
    }
    case 'DELETE_MESSAGE': {
      if (typeof frame.Id !== 'string' || !MESSAGE_ID.test(frame.Id)) return fail('Id must be the 12-character id of a message');
      const reason = optionalReason(frame.Reason);
      if (reason === false) return fail('Reason must be a string of 1 to 256 characters');
      return { requestId, action: { Action: 'DELETE_MESSAGE', ...base, Id: frame.Id, ...reason } };
    }
    case 'DISCONNECT_USER': {
      if (typeof frame.UserId !== 'string' || frame.UserId.length === 0 || [...frame.UserId].length > 128) {
        return fail('UserId must be a string of 1 to 128 characters');
      }
      if (!isWellFormed(frame.UserId)) return fail('UserId must be a well-formed Unicode string');
      const reason = optionalReason(frame.Reason);
      if (reason === false) return fail('Reason must be a string of 1 to 256 characters');
      return { requestId, action: { Action: 'DISCONNECT_USER', ...base, UserId: frame.UserId, ...reason } };
    }
    default:
      return fail(`Unknown Action: ${typeof frame.Action === 'string' ? frame.Action.slice(0, 64) : String(frame.Action)}`);
  }
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

function optionalReason(value: unknown): { Reason?: string } | false {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string' || value.length === 0 || [...value].length > 256) return false;
  return { Reason: value };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

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
