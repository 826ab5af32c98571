import type { Deps } from '../core/deps';
import { updateRoom } from '../core/rooms';
import { toRoomOutput, updateRoomInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'loggingConfigurations' | 'loggingReferences'>) =>
  restHandler('UpdateRoom', async ({ body }) => ok(toRoomOutput(await updateRoom(deps, parseInput(updateRoomInput, body)))));

export const handler = lambdaEntry(makeHandler);
