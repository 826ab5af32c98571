import type { LoggingReference } from '../data/logging-references';
import { NEW_ROOM_REVISION, ROOM_POSITION_PATTERN } from '../data/rooms';
import { Scope, isInScope, loggingConfigurationArn, parseArn } from '../domain/arn';
import { toRfc3339 } from '../domain/ids';
import { loggingConfigurationIdOf } from '../domain/logging-configuration';
import {
  CreateRoomInput,
  ListRoomsInput,
  Room,
  UpdateRoomInput,
  assertReviewHandlerInScope,
  newRoom,
  roomIdOf,
  toRoomPatch,
} from '../domain/room';
import { ConflictException, ResourceNotFoundException } from '../shared/errors';
import { logger } from '../shared/logger';
import type { Deps } from './deps';
import { readPage } from './pages';

/**
 * Rooms and the logging configurations they name. DeleteLoggingConfiguration must refuse
 * (ConflictException) while a room names the configuration, and a room must never come to name a
 * deleted one. Without transactions (dynalite has none) that takes an order of single-item writes:
 *
 * - A room writes a reference item into each configuration's partition before it names the
 *   configuration (data/logging-references.ts), so one query finds every room that may use it.
 * - A room's list changes only through a write conditioned on the room's logging revision, which the
 *   write moves on. Each reference carries the revision whose write it prepares, so clearing the
 *   references of configurations the room stopped naming never removes a newer write's reference.
 * - Rooms check that each configuration exists and is not DELETING after writing the references.
 * - DeleteLoggingConfiguration marks the configuration DELETING, then looks at each referencing
 *   room. A room that names it means Conflict (and back to ACTIVE). A room that does not gets its
 *   revision moved on, which fails any UpdateRoom that read the room before and is about to name
 *   the configuration: that UpdateRoom retries and finds the configuration DELETING. A reference to
 *   a room that does not exist is a CreateRoom still running if it is recent, so that is Conflict too.
 *
 * References left behind by failed writes are therefore harmless: the delete checks the room.
 */
export type RoomDeps = Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'loggingConfigurations' | 'loggingReferences'>;

/** AWS's default and largest ListRooms page. */
const DEFAULT_MAX_RESULTS = 50;
/** How long a reference to a room that does not exist counts as a CreateRoom in flight. */
const PENDING_CREATE_MS = 60_000;
/** Attempts before a write that keeps losing races with other writes to the same room gives up. */
const MAX_ATTEMPTS = 8;

export async function createRoom(deps: RoomDeps, input: CreateRoomInput): Promise<Room> {
  assertReviewHandlerInScope(input.messageReviewHandler, deps.scope);
  const room = newRoom(input, deps.scope, deps.idClock);
  const configurationIds = localIds(deps.scope, room.loggingConfigurationIdentifiers);
  await deps.loggingReferences.add(room.id, configurationIds, NEW_ROOM_REVISION, deps.idClock.now().getTime());
  try {
    await deps.loggingConfigurations.assertExist(room.loggingConfigurationIdentifiers);
    await deps.rooms.create(room);
  } catch (err) {
    // The room id is new, so no other request writes references for it: all of these can go.
    await tidy('room references', deps.loggingReferences.remove(room.id, configurationIds));
    throw err;
  }
  return room;
}

export async function updateRoom(deps: RoomDeps, input: UpdateRoomInput): Promise<Room> {
  const id = roomIdOf(input.identifier, deps.scope);
  assertReviewHandlerInScope(input.messageReviewHandler, deps.scope);
  const patch = toRoomPatch(input);
  const wanted = patch.loggingConfigurationIdentifiers;
  if (wanted === undefined) return deps.rooms.update(id, patch, toRfc3339(deps.idClock.now()));
  const wantedIds = localIds(deps.scope, wanted);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { room: before, revision } = await deps.rooms.getRevisioned(id);
    const now = deps.idClock.now();
    await deps.loggingReferences.add(id, wantedIds, revision + 1, now.getTime());
    await deps.loggingConfigurations.assertExist(wanted);
    const updated = await deps.rooms.updateAtRevision(id, patch, toRfc3339(now), revision);
    if (updated) {
      const dropped = localIds(deps.scope, before.loggingConfigurationIdentifiers).filter((c) => !wantedIds.includes(c));
      await tidy('room references', deps.loggingReferences.remove(id, dropped, revision + 1));
      return updated;
    }
  }
  throw new ConflictException('Too many concurrent changes to the logging configurations of this room, retry', id, 'ROOM');
}

export const getRoom = (deps: Pick<Deps, 'scope' | 'rooms'>, identifier: string): Promise<Room> =>
  deps.rooms.get(roomIdOf(identifier, deps.scope));

/** ListRooms: newest updateTime first, filtered as asked. */
export const listRooms = (deps: Pick<Deps, 'rooms'>, { nextToken, maxResults, ...filters }: ListRoomsInput) =>
  readPage(
    { operation: 'ListRooms', filters, nextToken, maxResults, defaultMaxResults: DEFAULT_MAX_RESULTS, positions: ROOM_POSITION_PATTERN },
    async (query) => {
      const page = await deps.rooms.listPage({ ...filters, ...query });
      return { items: page.rooms, last: page.last };
    },
  );

/** Removes the room and its references (it can never name anything again); returns what it was. */
export async function deleteRoom(deps: Pick<Deps, 'scope' | 'rooms' | 'loggingReferences'>, identifier: string): Promise<Room> {
  const id = roomIdOf(identifier, deps.scope);
  const room = await deps.rooms.delete(id);
  await tidy('room references', deps.loggingReferences.remove(id, localIds(deps.scope, room.loggingConfigurationIdentifiers)));
  return room;
}

/** DeleteLoggingConfiguration: ConflictException while any room names the configuration. */
export async function deleteLoggingConfiguration(deps: RoomDeps, identifier: string): Promise<void> {
  const id = loggingConfigurationIdOf(identifier, deps.scope);
  const arn = loggingConfigurationArn(deps.scope, id);
  await deps.loggingConfigurations.startDelete(id);
  try {
    for (const reference of await deps.loggingReferences.ofConfiguration(id)) {
      if (await stillUses(deps, reference, arn)) {
        throw new ConflictException(`Logging configuration ${arn} is used by room ${reference.roomId}`, id, 'LOGGING_CONFIGURATION');
      }
    }
  } catch (err) {
    await tidy('logging configuration state', deps.loggingConfigurations.cancelDelete(id));
    throw err;
  }
  await deps.loggingConfigurations.delete(id);
}

/** Whether the referencing room names (or may be about to name) the configuration; drops the reference if not. */
async function stillUses(deps: RoomDeps, reference: LoggingReference, arn: string): Promise<boolean> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await deps.rooms.getRevisioned(reference.roomId).catch((err: unknown) => {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw err;
    });
    if (!current) {
      if (deps.idClock.now().getTime() - reference.attachedAt < PENDING_CREATE_MS) return true;
      await deps.loggingReferences.remove(reference.roomId, [reference.configurationId], reference.revision);
      return false;
    }
    if (current.room.loggingConfigurationIdentifiers.includes(arn)) return true;
    if (await deps.rooms.bumpRevision(reference.roomId, current.revision)) {
      await deps.loggingReferences.remove(reference.roomId, [reference.configurationId], current.revision + 1);
      return false;
    }
  }
  return true;
}

/** The ids of the configurations of this deployment among `arns` (others are refused by assertExist). */
const localIds = (scope: Scope, arns: readonly string[]): string[] =>
  arns.flatMap((arn) => {
    const parsed = parseArn(arn);
    return isInScope(parsed, scope) ? [parsed.id] : [];
  });

/** Clean-up whose failure must not fail the request: what it leaves behind is checked again later. */
async function tidy(what: string, work: Promise<void>): Promise<void> {
  await work.catch((err: unknown) => logger.warn(`could not tidy ${what}`, { error: err as Error }));
}
