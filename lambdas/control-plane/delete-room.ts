import { closeRoom } from '../core/messaging';
import { deleteRoom } from '../core/rooms';
import { roomIdentifierInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { noContent, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('DeleteRoom', async ({ body }) => {
    const { identifier } = parseInput(roomIdentifierInput, body);
    const room = await deleteRoom(deps, identifier);
    await closeRoom(deps, room.id);
    return noContent();
  });

export const handler = makeHandler(defaultDeps());
