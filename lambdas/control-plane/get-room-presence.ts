import type { Deps } from '../core/deps';
import { getRoomPresence } from '../core/presence';
import { getRoomPresenceInput } from '../domain/presence';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

/** Extension (docs/extensions.md): who is connected to a room, and how many. */
export const makeHandler = (deps: Pick<Deps, 'scope' | 'rooms' | 'presence'>) =>
  restHandler('GetRoomPresence', async ({ body }) => ok(await getRoomPresence(deps, parseInput(getRoomPresenceInput, body))));

export const handler = lambdaEntry(makeHandler);
