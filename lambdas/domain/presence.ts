import { roomIdentifier } from './room';
import { int, optional, required, str, struct } from './validate';

export const getRoomPresenceInput = struct({
  roomIdentifier: required(roomIdentifier),
  maxResults: optional(int({ min: 1, max: 100 })),
  nextToken: optional(str({ max: 1024 })),
});

export type GetRoomPresenceInput = NonNullable<ReturnType<typeof getRoomPresenceInput.parse>>;

/** A user's place in presence order: the hex of its UTF-8 bytes, which sorts as the user ids' code points do. */
export const presencePosition = (userId: string): string => Buffer.from(userId).toString('hex');

/** What a GetRoomPresence token may carry: a presence position (a user id of 128 code points is at most 512 bytes). */
export const PRESENCE_POSITION_PATTERN = /^(?:[0-9a-f]{2}){1,512}$/;

/** User ids in ascending order of their code points (UTF-8 byte order), the order GetRoomPresence lists them in. */
export const byUserId = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
