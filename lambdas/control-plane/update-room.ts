import { toRfc3339 } from '../domain/ids';
import { assertReviewHandlerInScope, roomIdOf, toRoomOutput, toRoomPatch, updateRoomInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('UpdateRoom', async ({ body }) => {
    const input = parseInput(updateRoomInput, body);
    const id = roomIdOf(input.identifier, deps.scope);
    assertReviewHandlerInScope(input.messageReviewHandler, deps.scope);
    await deps.loggingConfigurations.assertExist(input.loggingConfigurationIdentifiers ?? []);
    const room = await deps.rooms.update(id, toRoomPatch(input), toRfc3339(deps.idClock.now()));
    return ok(toRoomOutput(room));
  });

export const handler = makeHandler(defaultDeps());
