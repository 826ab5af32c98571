import { disconnectUser } from '../core/messaging';
import { disconnectUserInput } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('DisconnectUser', async ({ body }) => {
    const input = parseInput(disconnectUserInput, body);
    await disconnectUser(deps, roomIdOf(input.roomIdentifier, deps.scope), { userId: input.userId, reason: input.reason });
    return ok({});
  });

export const handler = makeHandler(defaultDeps());
