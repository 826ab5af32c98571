import { RoomDeps, createRoom, deleteLoggingConfiguration, deleteRoom, updateRoom } from '../../../lambdas/core/rooms';
import type { LoggingConfigurationStore } from '../../../lambdas/data/logging-configurations';
import type { LoggingReferenceStore } from '../../../lambdas/data/logging-references';
import type { RoomStore } from '../../../lambdas/data/rooms';
import { newId } from '../../../lambdas/domain/ids';
import type { Room } from '../../../lambdas/domain/room';
import { ConflictException, ResourceNotFoundException } from '../../../lambdas/shared/errors';

/**
 * The room / logging-configuration protocol of lambdas/core/rooms.ts against in-memory stores with
 * the same conditional semantics as the DynamoDB ones, and with gates that stop a request between
 * two of its writes: each race below is played out step by step, not left to timing.
 */
const scope = { region: 'us-east-1', accountId: '000000000000' };
const arnOf = (id: string) => `arn:aws:ivschat:us-east-1:000000000000:logging-configuration/${id}`;
const roomArnOf = (id: string) => `arn:aws:ivschat:us-east-1:000000000000:room/${id}`;

interface Gate {
  reached: Promise<void>;
  release(): void;
}

function world() {
  let clock = Date.parse('2024-01-01T00:00:00Z');
  const rooms = new Map<string, { room: Room; revision: number }>();
  const configurations = new Map<string, 'ACTIVE' | 'DELETING'>();
  const references = new Map<string, { revision: number; attachedAt: number }>();
  const gates = new Map<string, { arrive: () => void; wait: Promise<void> }>();

  /** Stops the next call of `step` (e.g. `rooms.updateAtRevision`) before it does anything. */
  const gate = (step: string): Gate => {
    let arrive = () => undefined as void;
    let release = () => undefined as void;
    const reached = new Promise<void>((r) => (arrive = r));
    const wait = new Promise<void>((r) => (release = r));
    gates.set(step, { arrive, wait });
    return { reached, release };
  };
  const step = async (name: string) => {
    const g = gates.get(name);
    if (!g) return;
    gates.delete(name);
    g.arrive();
    await g.wait;
  };
  const notFound = (id: string) => new ResourceNotFoundException(`not found ${id}`, id, 'ROOM');
  const unsupported = async (): Promise<never> => {
    throw new Error('not used by core/rooms.ts');
  };
  const refKey = (configurationId: string, roomId: string) => `${configurationId}|${roomId}`;
  const current = (id: string) => {
    const entry = rooms.get(id);
    if (!entry) throw notFound(id);
    return entry;
  };

  const roomStore: RoomStore = {
    create: async (room) => {
      await step('rooms.create');
      rooms.set(room.id, { room: structuredClone(room), revision: 1 });
    },
    get: async (id) => structuredClone(current(id).room),
    getRevisioned: async (id) => {
      await step('rooms.getRevisioned');
      return structuredClone(current(id));
    },
    update: async (id, patch) => {
      const entry = current(id);
      entry.room = { ...entry.room, ...(patch as Partial<Room>) };
      return structuredClone(entry.room);
    },
    updateAtRevision: async (id, patch, _time, revision) => {
      await step('rooms.updateAtRevision');
      const entry = current(id);
      if (entry.revision !== revision) return undefined;
      entry.room = { ...entry.room, ...(patch as Partial<Room>) };
      entry.revision++;
      return structuredClone(entry.room);
    },
    bumpRevision: async (id, revision) => {
      const entry = rooms.get(id);
      if (!entry || entry.revision !== revision) return false;
      entry.revision++;
      return true;
    },
    delete: async (id) => {
      const entry = current(id);
      rooms.delete(id);
      return entry.room;
    },
    listPage: unsupported,
  };
  const configurationStore: LoggingConfigurationStore = {
    assertExist: async (arns) => {
      await step('configurations.assertExist');
      for (const arn of arns) {
        const id = arn.slice(arn.lastIndexOf('/') + 1);
        if (configurations.get(id) !== 'ACTIVE') throw new ResourceNotFoundException('gone', id, 'LOGGING_CONFIGURATION');
      }
    },
    startDelete: async (id) => {
      if (!configurations.has(id)) throw new ResourceNotFoundException('gone', id, 'LOGGING_CONFIGURATION');
      configurations.set(id, 'DELETING');
    },
    cancelDelete: async (id) => {
      if (configurations.has(id)) configurations.set(id, 'ACTIVE');
    },
    delete: async (id) => {
      await step('configurations.delete');
      configurations.delete(id);
    },
    create: unsupported,
    get: unsupported,
    getMany: unsupported,
    update: unsupported,
    listPage: unsupported,
  };
  const referenceStore: LoggingReferenceStore = {
    add: async (roomId, ids, revision, attachedAt) => {
      await step('references.add');
      for (const id of ids) references.set(refKey(id, roomId), { revision, attachedAt });
    },
    remove: async (roomId, ids, upTo) => {
      await step('references.remove');
      for (const id of ids) {
        const ref = references.get(refKey(id, roomId));
        if (ref && (upTo === undefined || ref.revision <= upTo)) references.delete(refKey(id, roomId));
      }
    },
    ofConfiguration: async (configurationId) =>
      [...references.entries()]
        .filter(([key]) => key.startsWith(`${configurationId}|`))
        .map(([key, ref]) => ({ configurationId, roomId: key.split('|')[1] as string, ...ref })),
  };
  const deps: RoomDeps = {
    scope,
    idClock: { newId: () => newId(), now: () => new Date(clock) },
    rooms: roomStore,
    loggingConfigurations: configurationStore,
    loggingReferences: referenceStore,
  };
  const configuration = () => {
    const id = newId();
    configurations.set(id, 'ACTIVE');
    return { id, arn: arnOf(id) };
  };
  /** What must hold once every request has finished: no room names a configuration that is gone. */
  const consistent = () =>
    [...rooms.values()].every(({ room }) => room.loggingConfigurationIdentifiers.every((arn) => configurations.has(arn.slice(-12))));
  return { deps, gate, configuration, rooms, configurations, references, consistent, advance: (ms: number) => (clock += ms) };
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

test('a configuration a room names cannot be deleted; once the room lets go it can', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, { loggingConfigurationIdentifiers: [c.arn] });
  await expect(deleteLoggingConfiguration(w.deps, c.arn)).rejects.toBeInstanceOf(ConflictException);
  expect(w.configurations.get(c.id)).toBe('ACTIVE');
  await updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [] });
  expect(w.references.size).toBe(0);
  await deleteLoggingConfiguration(w.deps, c.arn);
  expect(w.configurations.has(c.id)).toBe(false);
});

test('UpdateRoom that checked the configuration just before the delete began: the delete wins, the update retries and fails', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, {});
  const paused = w.gate('rooms.updateAtRevision');
  const update = settle(updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [c.arn] }));
  await paused.reached;
  // The reference is written and the configuration was ACTIVE when checked; the room write is next.
  await deleteLoggingConfiguration(w.deps, c.arn);
  paused.release();
  const outcome = await update;
  expect(outcome.ok).toBe(false);
  expect(!outcome.ok && outcome.error).toBeInstanceOf(ResourceNotFoundException);
  expect(w.rooms.get(room.id)?.room.loggingConfigurationIdentifiers).toEqual([]);
  expect(w.consistent()).toBe(true);
});

test('UpdateRoom that wrote its reference before the delete looked: the delete sees it being used or the update fails', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, {});
  const paused = w.gate('configurations.assertExist');
  const update = settle(updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [c.arn] }));
  await paused.reached;
  await deleteLoggingConfiguration(w.deps, c.arn);
  paused.release();
  expect((await update).ok).toBe(false);
  expect(w.consistent()).toBe(true);
});

test('a delete paused before removing the configuration: an UpdateRoom meanwhile finds it DELETING', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, {});
  const paused = w.gate('configurations.delete');
  const removal = settle(deleteLoggingConfiguration(w.deps, c.arn));
  await paused.reached;
  await expect(updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [c.arn] })).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  paused.release();
  expect((await removal).ok).toBe(true);
  expect(w.consistent()).toBe(true);
});

test('CreateRoom in flight (reference written, room not yet): the delete is a Conflict, not a room naming a deleted configuration', async () => {
  const w = world();
  const c = w.configuration();
  const paused = w.gate('rooms.create');
  const creation = settle(createRoom(w.deps, { loggingConfigurationIdentifiers: [c.arn] }));
  await paused.reached;
  await expect(deleteLoggingConfiguration(w.deps, c.arn)).rejects.toBeInstanceOf(ConflictException);
  paused.release();
  expect((await creation).ok).toBe(true);
  expect(w.consistent()).toBe(true);
});

test('a reference to a room that never came to be stops blocking after a minute', async () => {
  const w = world();
  const c = w.configuration();
  w.references.set(`${c.id}|abandonedRm1`, { revision: 1, attachedAt: w.deps.idClock.now().getTime() });
  await expect(deleteLoggingConfiguration(w.deps, c.arn)).rejects.toBeInstanceOf(ConflictException);
  w.advance(60_000);
  await deleteLoggingConfiguration(w.deps, c.arn);
  expect(w.references.size).toBe(0);
});

test('a room dropping a configuration never removes the reference of a newer write that names it again', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, { loggingConfigurationIdentifiers: [c.arn] });
  // A drops C and stops before clearing C's reference; meanwhile B names C again, all the way.
  const paused = w.gate('references.remove');
  const dropping = updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [] });
  await paused.reached;
  await updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [c.arn] });
  paused.release();
  await dropping;
  expect(w.rooms.get(room.id)?.room.loggingConfigurationIdentifiers).toEqual([c.arn]);
  expect(w.references.get(`${c.id}|${room.id}`)).toBeDefined();
  await expect(deleteLoggingConfiguration(w.deps, c.arn)).rejects.toBeInstanceOf(ConflictException);
});

test('a stale reference (a failed UpdateRoom) does not block the delete; it is removed', async () => {
  const w = world();
  const c = w.configuration();
  const room = await createRoom(w.deps, {});
  await expect(
    updateRoom(w.deps, { identifier: room.arn, loggingConfigurationIdentifiers: [c.arn, arnOf('missingConfg')] }),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
  expect(w.references.has(`${c.id}|${room.id}`)).toBe(true);
  await deleteLoggingConfiguration(w.deps, c.arn);
  expect(w.references.has(`${c.id}|${room.id}`)).toBe(false);
});

test("DeleteRoom removes the room's references; CreateRoom that fails leaves none", async () => {
  const w = world();
  const [a, b] = [w.configuration(), w.configuration()];
  const room = await createRoom(w.deps, { loggingConfigurationIdentifiers: [a.arn, b.arn] });
  expect(w.references.size).toBe(2);
  await deleteRoom(w.deps, roomArnOf(room.id));
  expect(w.references.size).toBe(0);
  await expect(createRoom(w.deps, { loggingConfigurationIdentifiers: [a.arn, arnOf('missingConfg')] })).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  expect(w.references.size).toBe(0);
});
