import type { Deps } from '../core/deps';
import { getRoom } from '../core/rooms';
import { roomIdentifierInput, toRoomOutput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'rooms'>) =>
  restHandler('GetRoom', async ({ body }) => ok(toRoomOutput(await getRoom(deps, parseInput(roomIdentifierInput, body).identifier))));

export const handler = lambdaEntry(makeHandler);
