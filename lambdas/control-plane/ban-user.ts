import { banUser } from '../core/bans';
import type { Deps } from '../core/deps';
import { banUserInput } from '../domain/bans';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): bans a user from a room, disconnecting it at once. */
export const makeHandler = (
  deps: Pick<
    Deps,
    | 'scope'
    | 'idClock'
    | 'rooms'
    | 'connections'
    | 'disconnections'
    | 'gateway'
    | 'chatLog'
    | 'metrics'
    | 'fanOut'
    | 'history'
    | 'bans'
    | 'banMinuteMs'
  >,
) =>
  restHandler('BanUser', async ({ body }) => {
    await banUser(deps, parseInput(banUserInput, body));
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
