import { assertReviewHandlerInScope, createRoomInput, newRoom, toRoomOutput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('CreateRoom', async ({ body }) => {
    const input = parseInput(createRoomInput, body);
    assertReviewHandlerInScope(input.messageReviewHandler, deps.scope);
    await deps.loggingConfigurations.assertExist(input.loggingConfigurationIdentifiers ?? []);
    const room = newRoom(input, deps.scope, deps.idClock);
    await deps.rooms.create(room);
    return ok(toRoomOutput(room));
  });

export const handler = makeHandler(defaultDeps());
