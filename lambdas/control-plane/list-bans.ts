import { listBans } from '../core/bans';
import type { Deps } from '../core/deps';
import { listBansInput } from '../domain/bans';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): the bans in force in a room, newest first. */
export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'bans'>) =>
  restHandler('ListBans', async ({ body }) => {
    const { items, nextToken } = await listBans(deps, parseInput(listBansInput, body));
    return ok({ bans: items, ...(nextToken ? { nextToken } : {}) });
  });

export const handler = lambdaEntry(makeHandler);
