import { createRoom } from '../core/rooms';
import { createRoomInput, toRoomOutput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('CreateRoom', async ({ body }) => ok(toRoomOutput(await createRoom(deps, parseInput(createRoomInput, body)))));

export const handler = makeHandler(defaultDeps());
