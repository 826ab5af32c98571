import { updateRoom } from '../core/rooms';
import { toRoomOutput, updateRoomInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('UpdateRoom', async ({ body }) => ok(toRoomOutput(await updateRoom(deps, parseInput(updateRoomInput, body)))));

export const handler = makeHandler(defaultDeps());
