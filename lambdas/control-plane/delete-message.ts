import { deleteMessage } from '../core/messaging';
import { deleteMessageInput } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('DeleteMessage', async ({ body }) => {
    const input = parseInput(deleteMessageInput, body);
    const roomId = roomIdOf(input.roomIdentifier, deps.scope);
    return ok({ id: await deleteMessage(deps, roomId, { messageId: input.id, reason: input.reason }) });
  });

export const handler = makeHandler(defaultDeps());
