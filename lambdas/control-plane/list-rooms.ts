import { ROOM_POSITION_PATTERN } from '../data/rooms';
import { decodePageToken, encodePageToken, filterFingerprint } from '../domain/pagination';
import { listRoomsInput, toRoomSummary } from '../domain/room';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

/** AWS's default and largest ListRooms page. */
const DEFAULT_MAX_RESULTS = 50;

export const makeHandler = (deps: Deps) =>
  restHandler('ListRooms', async ({ body }) => {
    const { nextToken, maxResults, ...filters } = parseInput(listRoomsInput, body);
    const fingerprint = filterFingerprint('ListRooms', filters);
    const page = await deps.rooms.listPage({
      ...filters,
      limit: maxResults ?? DEFAULT_MAX_RESULTS,
      after: nextToken ? decodePageToken(nextToken, fingerprint, ROOM_POSITION_PATTERN) : undefined,
    });
    return ok({
      rooms: page.rooms.map(toRoomSummary),
      ...(page.last ? { nextToken: encodePageToken(page.last, fingerprint) } : {}),
    });
  });

export const handler = makeHandler(defaultDeps());
