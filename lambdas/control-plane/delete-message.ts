import type { Deps } from '../core/deps';
import { ModerationDeps, deleteMessage } from '../core/moderation';
import { deleteMessageInput } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: ModerationDeps & Pick<Deps, 'scope'>) =>
  restHandler('DeleteMessage', async ({ body }) => {
    const input = parseInput(deleteMessageInput, body);
    return ok({ id: await deleteMessage(deps, roomIdOf(input.roomIdentifier, deps.scope), { messageId: input.id, reason: input.reason }) });
  });

export const handler = lambdaEntry(makeHandler);
