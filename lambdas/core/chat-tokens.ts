import { CreateChatTokenInput, newTokenClaims, sealToken } from '../domain/chat-token';
import { toRfc3339 } from '../domain/ids';
import { roomIdOf } from '../domain/room';
import type { Deps } from './deps';

/** CreateChatToken: a sealed token for an existing room, and when it and its session expire. */
export async function createChatToken(
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'tokenKeys' | 'tokenTiming'>,
  input: CreateChatTokenInput,
) {
  await deps.rooms.get(roomIdOf(input.roomIdentifier, deps.scope));
  const claims = newTokenClaims(input, deps.idClock.now(), deps.tokenTiming);
  return {
    token: await sealToken(claims, await deps.tokenKeys()),
    tokenExpirationTime: toRfc3339(new Date(claims.tokenExpiresAt)),
    sessionExpirationTime: toRfc3339(new Date(claims.sessionExpiresAt)),
  };
}
