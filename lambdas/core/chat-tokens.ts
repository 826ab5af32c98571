import { CreateChatTokenInput, newTokenClaims, sealToken } from '../domain/chat-token';
import { toRfc3339 } from '../domain/ids';
import { roomIdOf } from '../domain/room';
import { assertMayJoin } from './bans';
import type { Deps } from './deps';

/** CreateChatToken: a sealed token for an existing room and a user not banned from it, and when it and its session expire. */
export async function createChatToken(
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'tokenKeys' | 'tokenTiming' | 'bans'>,
  input: CreateChatTokenInput,
) {
  const room = await deps.rooms.get(roomIdOf(input.roomIdentifier, deps.scope));
  await assertMayJoin(deps, room, input.userId);
  const claims = newTokenClaims(input, deps.idClock.now(), deps.tokenTiming);
  return {
    token: await sealToken(claims, await deps.tokenKeys()),
    tokenExpirationTime: toRfc3339(new Date(claims.tokenExpiresAt)),
    sessionExpirationTime: toRfc3339(new Date(claims.sessionExpiresAt)),
  };
}
