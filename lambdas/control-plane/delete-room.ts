import type { Deps } from '../core/deps';
import { closeRoom } from '../core/moderation';
import { deleteRoom } from '../core/rooms';
import { roomIdentifierInput } from '../domain/room';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { noContent, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'rooms' | 'loggingReferences' | 'connections' | 'gateway' | 'bans'>) =>
  restHandler('DeleteRoom', async ({ body }) => {
    const room = await deleteRoom(deps, parseInput(roomIdentifierInput, body).identifier);
    await closeRoom(deps, room.id);
    return noContent();
  });

export const handler = lambdaEntry(makeHandler);
