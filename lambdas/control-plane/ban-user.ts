import { BanDeps, banUser } from '../core/bans';
import { banUserInput } from '../domain/bans';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): bans a user from a room, disconnecting it at once. */
export const makeHandler = (deps: BanDeps) =>
  restHandler('BanUser', async ({ body }) => {
    await banUser(deps, parseInput(banUserInput, body));
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
