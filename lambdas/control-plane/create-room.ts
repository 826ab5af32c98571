import type { Deps } from '../core/deps';
import { createRoom } from '../core/rooms';
import { createRoomInput, toRoomOutput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'loggingConfigurations' | 'loggingReferences'>) =>
  restHandler('CreateRoom', async ({ body }) => ok(toRoomOutput(await createRoom(deps, parseInput(createRoomInput, body)))));

export const handler = lambdaEntry(makeHandler);
