import { closeRoom } from '../core/messaging';
import { roomIdOf, roomIdentifierInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { noContent, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('DeleteRoom', async ({ body }) => {
    const { identifier } = parseInput(roomIdentifierInput, body);
    const roomId = roomIdOf(identifier, deps.scope);
    await deps.rooms.delete(roomId);
    await closeRoom(deps, roomId);
    return noContent();
  });

export const handler = makeHandler(defaultDeps());
