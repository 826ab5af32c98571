import { roomIdOf, roomIdentifierInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { ControlPlaneDeps, defaultDeps } from '../shared/clients';
import { noContent, restHandler } from '../shared/http';

export const makeHandler = (deps: ControlPlaneDeps) =>
  restHandler('DeleteRoom', async ({ body }) => {
    const { identifier } = parseInput(roomIdentifierInput, body);
    await deps.rooms.delete(roomIdOf(identifier, deps.scope));
    return noContent();
  });

export const handler = makeHandler(defaultDeps());
