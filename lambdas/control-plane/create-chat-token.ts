import { createChatTokenInput, newTokenClaims, sealToken } from '../domain/chat-token';
import { toRfc3339 } from '../domain/ids';
import { roomIdOf } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('CreateChatToken', async ({ body }) => {
    const input = parseInput(createChatTokenInput, body);
    await deps.rooms.get(roomIdOf(input.roomIdentifier, deps.scope));
    const claims = newTokenClaims(input, deps.idClock.now(), deps.tokenTiming);
    return ok({
      token: await sealToken(claims, await deps.tokenKeys()),
      tokenExpirationTime: toRfc3339(new Date(claims.tokenExpiresAt)),
      sessionExpirationTime: toRfc3339(new Date(claims.sessionExpiresAt)),
    });
  });

export const handler = makeHandler(defaultDeps());
