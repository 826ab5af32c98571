import { toRfc3339 } from './ids';
import { roomIdentifier } from './room';
import { int, optional, required, str, struct } from './validate';

/** A user id as CreateChatToken and DisconnectUser take it (well-formed: user ids are compared once encoded). */
const userId = str({ min: 1, max: 128 });
const pageSize = int({ min: 1, max: 100 });
const nextToken = str({ max: 1024 });

/** A year, the longest ban with a duration; without one a ban lasts until UnbanUser. */
export const MAX_BAN_MINUTES = 525_600;

export const banUserInput = struct({
  roomIdentifier: required(roomIdentifier),
  userId: required(userId),
  reason: optional(str({ max: 256 })),
  durationInMinutes: optional(int({ min: 1, max: MAX_BAN_MINUTES })),
});

export const unbanUserInput = struct({ roomIdentifier: required(roomIdentifier), userId: required(userId) });

export const listBansInput = struct({
  roomIdentifier: required(roomIdentifier),
  maxResults: optional(pageSize),
  nextToken: optional(nextToken),
});

export type BanUserInput = NonNullable<ReturnType<typeof banUserInput.parse>>;
export type ListBansInput = NonNullable<ReturnType<typeof listBansInput.parse>>;

/** A ban made now, ending `durationInMinutes` minutes of `minuteMs` later (a real minute except in tests). */
export function newBan(input: BanUserInput, now: Date, minuteMs: number) {
  return {
    userId: input.userId,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    createTime: toRfc3339(now),
    ...(input.durationInMinutes === undefined
      ? {}
      : { expirationTime: toRfc3339(new Date(now.getTime() + input.durationInMinutes * minuteMs)) }),
  };
}

/** The message of CreateChatToken's AccessDeniedException for a banned user. */
export const bannedMessage = (userId: string, roomArn: string): string => `User ${userId} is banned from room ${roomArn}`;
