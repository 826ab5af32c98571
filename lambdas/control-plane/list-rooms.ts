import type { Deps } from '../core/deps';
import { listRooms } from '../core/rooms';
import { listRoomsInput, toRoomSummary } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'rooms'>) =>
  restHandler('ListRooms', async ({ body }) => {
    const { items, nextToken } = await listRooms(deps, parseInput(listRoomsInput, body));
    return ok({ rooms: items.map(toRoomSummary), ...(nextToken ? { nextToken } : {}) });
  });

export const handler = lambdaEntry(makeHandler);
