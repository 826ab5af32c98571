import {
  CreateRoomCommand,
  DeleteRoomCommand,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  ListRoomsCommandInput,
  ResourceNotFoundException,
  RoomSummary,
  ServiceQuotaExceededException,
  TagResourceCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { REQUEST_ID, ROOM_ARN_PREFIX } from '../../fixtures/aws';
import { expectNotFound } from '../../helpers/aws-assertions';
import { useLocalStack } from '../../helpers/local-stack';

/** Every page of a listing, in order, checking each nextToken leads somewhere. */
async function listPages(client: IvschatClient, input: ListRoomsCommandInput): Promise<RoomSummary[][]> {
  const pages: RoomSummary[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListRoomsCommand({ ...input, nextToken }));
    pages.push(page.rooms ?? []);
    nextToken = page.nextToken;
  } while (nextToken);
  return pages;
}

const byNewest = (rooms: RoomSummary[]) =>
  rooms.every((r, i) => i === 0 || (rooms[i - 1]?.updateTime?.getTime() ?? 0) >= (r.updateTime?.getTime() ?? 0));

describe('one stack, default quota', () => {
  const { client } = useLocalStack();

  test('200 parallel CreateRoom calls all succeed with 200 unique ids, and ListRooms pages each exactly once', async () => {
    const created = await Promise.all(Array.from({ length: 200 }, () => client.send(new CreateRoomCommand({ name: 'burst200' }))));
    const ids = created.map((r) => r.id as string);
    expect(new Set(ids).size).toBe(200);
    for (const room of created) {
      expect(room.id).toMatch(/^[a-zA-Z0-9]{12}$/);
      expect(room.arn).toBe(`${ROOM_ARN_PREFIX}${room.id}`);
      expect(room.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
    }
    expect(new Set(created.map((r) => r.$metadata.requestId)).size).toBe(200);

    // Over the name index, pages of 7: 28 full pages and one of 4.
    const byName = await listPages(client, { name: 'burst200', maxResults: 7 });
    expect(byName.map((p) => p.length)).toEqual([...Array.from({ length: 28 }, () => 7), 4]);
    const namedIds = byName.flat().map((r) => r.id);
    expect([...namedIds].sort()).toEqual([...ids].sort());
    expect(byNewest(byName.flat())).toBe(true);

    // Over the whole listing (other tests' rooms may be there too): each of the 200 once, nothing twice.
    const all = (await listPages(client, { maxResults: 50 })).flat();
    const allIds = all.map((r) => r.id as string);
    expect(new Set(allIds).size).toBe(allIds.length);
    expect(allIds.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(byNewest(all)).toBe(true);
  });

  test('concurrent UpdateRoom calls on different members lose nothing', async () => {
    const room = await client.send(
      new CreateRoomCommand({
        name: 'racer',
        maximumMessageRatePerSecond: 42,
        maximumMessageLength: 250,
        tags: { keep: 'me' },
        messageReviewHandler: { uri: 'arn:aws:lambda:us-east-1:000000000000:function:review', fallbackResult: 'DENY' },
      }),
    );
    const names = Array.from({ length: 10 }, (_, i) => `racer-name-${i}`);
    const lengths = Array.from({ length: 10 }, (_, i) => 101 + i);
    const rates = Array.from({ length: 10 }, (_, i) => 51 + i);
    const calls = names.flatMap((name, i) => [
      client.send(new UpdateRoomCommand({ identifier: room.arn, name })),
      client.send(new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: lengths[i] })),
      client.send(new UpdateRoomCommand({ identifier: room.arn, maximumMessageRatePerSecond: rates[i] })),
      client.send(new TagResourceCommand({ resourceArn: room.arn, tags: { [`t${i}`]: String(i) } })),
    ]);
    await Promise.all(calls);

    const final = await client.send(new GetRoomCommand({ identifier: room.arn }));
    expect(names).toContain(final.name);
    expect(lengths).toContain(final.maximumMessageLength);
    expect(rates).toContain(final.maximumMessageRatePerSecond);
    expect(final.messageReviewHandler).toEqual({ uri: 'arn:aws:lambda:us-east-1:000000000000:function:review', fallbackResult: 'DENY' });
    expect(final.tags).toEqual({ keep: 'me', ...Object.fromEntries(names.map((_, i) => [`t${i}`, String(i)])) });
    expect(final.createTime).toEqual(room.createTime);
    expect(final.updateTime?.getTime()).toBeGreaterThanOrEqual(room.updateTime?.getTime() ?? 0);

    // The name index follows the last rename only: no stale entry under any other name.
    const found = await Promise.all(
      names.map(async (name) => (await client.send(new ListRoomsCommand({ name }))).rooms?.map((r) => r.id) ?? []),
    );
    expect(found).toEqual(names.map((name) => (name === final.name ? [room.id] : [])));
  });

  test('UpdateRoom racing DeleteRoom never brings the room back', async () => {
    const rooms = await Promise.all(Array.from({ length: 10 }, (_, i) => client.send(new CreateRoomCommand({ name: `doomed${i}` }))));
    const outcomes = await Promise.all(
      rooms.map(async (room) => {
        const updates = Array.from({ length: 10 }, (_, j) =>
          client.send(new UpdateRoomCommand({ identifier: room.arn, name: `zombie${j}`, maximumMessageLength: 100 + j })),
        );
        const deletion = client.send(new DeleteRoomCommand({ identifier: room.arn }));
        const settled = await Promise.allSettled([deletion, ...updates]);
        return settled.map((s) =>
          s.status === 'fulfilled' ? s.value.$metadata.httpStatusCode : s.reason instanceof ResourceNotFoundException ? 404 : s.reason,
        );
      }),
    );
    // Each update lands before the delete or finds the room gone; nothing else.
    for (const [deletion, ...updates] of outcomes) {
      expect(deletion).toBe(204);
      for (const u of updates) expect([200, 404]).toContain(u);
    }

    for (const room of rooms) {
      await expectNotFound(client.send(new GetRoomCommand({ identifier: room.arn })), room.id as string);
      await expectNotFound(client.send(new UpdateRoomCommand({ identifier: room.arn, name: 'revived' })), room.id as string);
    }
    const zombies = await Promise.all(
      Array.from({ length: 10 }, async (_, j) => (await client.send(new ListRoomsCommand({ name: `zombie${j}` }))).rooms ?? []),
    );
    expect(zombies.flat()).toEqual([]);
    const everything = (await listPages(client, { maxResults: 50 })).flat().map((r) => r.id);
    expect(everything.filter((id) => rooms.some((r) => r.id === id))).toEqual([]);
  });
});

describe('rooms quota (IVSCHAT_MAX_ROOMS=3)', () => {
  const { client } = useLocalStack({ IVSCHAT_MAX_ROOMS: '3' });

  const expectQuotaExceeded = async (call: Promise<unknown>) => {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceQuotaExceededException);
    const sqe = err as ServiceQuotaExceededException;
    expect({ limit: sqe.limit, resourceType: sqe.resourceType, status: sqe.$metadata.httpStatusCode }).toEqual({
      limit: 3,
      resourceType: 'ROOM',
      status: 402,
    });
    expect(sqe.$metadata.requestId).toMatch(REQUEST_ID);
  };

  test('the 4th CreateRoom is ServiceQuotaExceededException; after a DeleteRoom one more fits', async () => {
    const rooms = [];
    for (let i = 0; i < 3; i++) rooms.push(await client.send(new CreateRoomCommand({ name: `q${i}` })));
    await expectQuotaExceeded(client.send(new CreateRoomCommand({ name: 'q3' })));
    expect((await client.send(new ListRoomsCommand({}))).rooms).toHaveLength(3);

    await client.send(new DeleteRoomCommand({ identifier: rooms[0]?.arn }));
    await expect(client.send(new CreateRoomCommand({ name: 'q4' }))).resolves.toMatchObject({ name: 'q4' });
    await expectQuotaExceeded(client.send(new CreateRoomCommand({ name: 'q5' })));

    // A refused create or a failed delete gives nothing back to the quota.
    await expectNotFound(client.send(new DeleteRoomCommand({ identifier: rooms[0]?.arn })), rooms[0]?.id as string);
    await expectQuotaExceeded(client.send(new CreateRoomCommand({ name: 'q6' })));
    expect(((await client.send(new ListRoomsCommand({}))).rooms ?? []).map((r) => r.name).sort()).toEqual(['q1', 'q2', 'q4']);

    for (const room of (await client.send(new ListRoomsCommand({}))).rooms ?? []) {
      await client.send(new DeleteRoomCommand({ identifier: room.arn }));
    }
  });

  test('10 parallel CreateRoom calls on an empty quota of 3: exactly 3 succeed', async () => {
    expect((await client.send(new ListRoomsCommand({}))).rooms).toEqual([]);
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => client.send(new CreateRoomCommand({ name: `p${i}` }))));
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const err of refused) expect(err).toBeInstanceOf(ServiceQuotaExceededException);
    expect((await client.send(new ListRoomsCommand({}))).rooms).toHaveLength(3);
  });
});
