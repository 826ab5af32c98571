import type { Deps } from '../core/deps';
import { listMessages } from '../core/history';
import { listMessagesInput } from '../domain/history';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): a room's delivered messages (and events), newest first. */
export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'history' | 'historyStore'>) =>
  restHandler('ListMessages', async ({ body }) => ok(await listMessages(deps, parseInput(listMessagesInput, body))));

export const handler = lambdaEntry(makeHandler);
