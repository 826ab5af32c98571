import type { Deps } from '../core/deps';
import { ModerationDeps, disconnectUser } from '../core/moderation';
import { disconnectUserInput } from '../domain/messaging';
import { roomIdOf } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: ModerationDeps & Pick<Deps, 'scope' | 'disconnections'>) =>
  restHandler('DisconnectUser', async ({ body }) => {
    const input = parseInput(disconnectUserInput, body);
    await disconnectUser(deps, roomIdOf(input.roomIdentifier, deps.scope), { userId: input.userId, reason: input.reason });
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
