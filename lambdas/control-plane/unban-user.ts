import { unbanUser } from '../core/bans';
import type { Deps } from '../core/deps';
import { unbanUserInput } from '../domain/bans';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): lifts a user's ban from a room; idempotent. */
export const makeHandler = (deps: Pick<Deps, 'scope' | 'rooms' | 'bans'>) =>
  restHandler('UnbanUser', async ({ body }) => {
    await unbanUser(deps, parseInput(unbanUserInput, body));
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
