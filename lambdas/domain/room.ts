import { ResourceNotFoundException, ValidationException } from '../shared/errors';
import {
  LAMBDA_ARN_PATTERN,
  LOGGING_CONFIGURATION_ARN_PATTERN,
  ROOM_ARN_PATTERN,
  Scope,
  isLambdaInScope,
  localResource,
  roomArn,
} from './arn';
import { IdClock, newResourceBase } from './ids';
import { tagsSchema } from './tags';
import { int, list, oneOf, optional, required, str, struct } from './validate';

export type FallbackResult = 'ALLOW' | 'DENY';

export interface MessageReviewHandler {
  uri: string;
  fallbackResult: FallbackResult;
}

/** A chat room as the service keeps it. Times are RFC 3339 strings, as they go on the wire. */
export interface Room {
  id: string;
  arn: string;
  name: string;
  createTime: string;
  updateTime: string;
  maximumMessageRatePerSecond: number;
  maximumMessageLength: number;
  /** Absent when the room has no handler (AWS removes it when `uri` is set to ""). */
  messageReviewHandler?: MessageReviewHandler;
  loggingConfigurationIdentifiers: string[];
  tags: Record<string, string>;
}

/** Defaults AWS documents for a room created without them. */
export const ROOM_DEFAULTS = { maximumMessageRatePerSecond: 10, maximumMessageLength: 500 } as const;

export const roomIdentifier = str({ min: 1, max: 128, pattern: ROOM_ARN_PATTERN });
export const roomName = str({ max: 128, pattern: /^[a-zA-Z0-9-_]*$/ });
const rate = int({ min: 1, max: 100 });
const length = int({ min: 1, max: 500 });
export const lambdaArn = str({ max: 170, pattern: LAMBDA_ARN_PATTERN });
const reviewHandler = struct({ uri: optional(lambdaArn), fallbackResult: optional(oneOf(['ALLOW', 'DENY'])) });
export const loggingConfigurationIdentifier = str({ min: 1, max: 128, pattern: LOGGING_CONFIGURATION_ARN_PATTERN });
const loggingConfigurationIdentifiers = list(loggingConfigurationIdentifier, { max: 3 });

export const createRoomInput = struct({
  name: optional(roomName),
  maximumMessageRatePerSecond: optional(rate),
  maximumMessageLength: optional(length),
  messageReviewHandler: optional(reviewHandler),
  tags: optional(tagsSchema),
  loggingConfigurationIdentifiers: optional(loggingConfigurationIdentifiers),
});

export const roomIdentifierInput = struct({ identifier: required(roomIdentifier) });

/** UpdateRoom has no `tags`: tags change only through TagResource. */
export const updateRoomInput = struct({
  identifier: required(roomIdentifier),
  name: optional(roomName),
  maximumMessageRatePerSecond: optional(rate),
  maximumMessageLength: optional(length),
  messageReviewHandler: optional(reviewHandler),
  loggingConfigurationIdentifiers: optional(loggingConfigurationIdentifiers),
});

export const listRoomsInput = struct({
  name: optional(roomName),
  nextToken: optional(str({ max: 1024 })),
  maxResults: optional(int({ min: 1, max: 50 })),
  messageReviewHandlerUri: optional(lambdaArn),
  loggingConfigurationIdentifier: optional(loggingConfigurationIdentifier),
});

export type CreateRoomInput = NonNullable<ReturnType<typeof createRoomInput.parse>>;
export type UpdateRoomInput = NonNullable<ReturnType<typeof updateRoomInput.parse>>;
export type ListRoomsInput = NonNullable<ReturnType<typeof listRoomsInput.parse>>;

/** The changes an UpdateRoom makes; members left out stay as they are. */
export type RoomPatch = Partial<
  Pick<Room, 'name' | 'maximumMessageRatePerSecond' | 'maximumMessageLength' | 'loggingConfigurationIdentifiers'>
> & {
  /** `null` removes the handler. */
  messageReviewHandler?: MessageReviewHandler | null;
};

/**
 * An empty (or missing) `uri` means "no handler": that is how AWS lets UpdateRoom remove one.
 * `fallbackResult` defaults to ALLOW as documented.
 */
export function toReviewHandler(input: { uri?: string; fallbackResult?: FallbackResult }): MessageReviewHandler | null {
  if (!input.uri) return null;
  return { uri: input.uri, fallbackResult: input.fallbackResult ?? 'ALLOW' };
}

/**
 * AWS invokes a room's review handler from the room's own account and region and refuses a function
 * anywhere else (ValidationException). The empty uri, which removes the handler, is always fine.
 */
export function assertReviewHandlerInScope(handler: { uri?: string } | undefined, scope: Scope): void {
  if (!handler?.uri || isLambdaInScope(handler.uri, scope)) return;
  throw ValidationException.forFields([
    {
      name: 'messageReviewHandler.uri',
      message: `Member must be a Lambda function in the room's account (${scope.accountId}) and region (${scope.region})`,
    },
  ]);
}

/** A new room with AWS's defaults filled in. */
export function newRoom(input: CreateRoomInput, scope: Scope, idClock: IdClock): Room {
  const handler = input.messageReviewHandler ? toReviewHandler(input.messageReviewHandler) : null;
  return {
    ...newResourceBase(idClock, (id) => roomArn(scope, id), input.name),
    maximumMessageRatePerSecond: input.maximumMessageRatePerSecond ?? ROOM_DEFAULTS.maximumMessageRatePerSecond,
    maximumMessageLength: input.maximumMessageLength ?? ROOM_DEFAULTS.maximumMessageLength,
    ...(handler ? { messageReviewHandler: handler } : {}),
    loggingConfigurationIdentifiers: input.loggingConfigurationIdentifiers ?? [],
    tags: input.tags ?? {},
  };
}

/** The patch an UpdateRoom request asks for. */
export function toRoomPatch(input: UpdateRoomInput): RoomPatch {
  const { identifier: _identifier, messageReviewHandler, ...rest } = input;
  return messageReviewHandler === undefined ? rest : { ...rest, messageReviewHandler: toReviewHandler(messageReviewHandler) };
}

/** CreateRoom / GetRoom / UpdateRoom output: the full room. */
export function toRoomOutput(room: Room) {
  return {
    arn: room.arn,
    id: room.id,
    name: room.name,
    createTime: room.createTime,
    updateTime: room.updateTime,
    maximumMessageRatePerSecond: room.maximumMessageRatePerSecond,
    maximumMessageLength: room.maximumMessageLength,
    ...(room.messageReviewHandler ? { messageReviewHandler: room.messageReviewHandler } : {}),
    tags: room.tags,
    loggingConfigurationIdentifiers: room.loggingConfigurationIdentifiers,
  };
}

/** ListRooms' RoomSummary, which AWS models without the two message limits. */
export function toRoomSummary(room: Room) {
  const { maximumMessageRatePerSecond: _rate, maximumMessageLength: _length, ...summary } = toRoomOutput(room);
  return summary;
}

/** The id of the room an identifier (an ARN) names in this deployment. */
export const roomIdOf = (identifier: string, scope: Scope): string =>
  localResource(identifier, scope, (id) => new ResourceNotFoundException(`Room not found: ${identifier}`, id, 'ROOM')).id;
