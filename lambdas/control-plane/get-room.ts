import { roomIdOf, roomIdentifierInput, toRoomOutput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('GetRoom', async ({ body }) => {
    const { identifier } = parseInput(roomIdentifierInput, body);
    return ok(toRoomOutput(await deps.rooms.get(roomIdOf(identifier, deps.scope))));
  });

export const handler = makeHandler(defaultDeps());
