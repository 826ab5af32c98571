import {
  CreateRoomCommand,
  CreateRoomCommandInput,
  CreateRoomCommandOutput,
  DeleteRoomCommand,
  ListRoomsCommand,
  ListRoomsCommandInput,
  ListRoomsCommandOutput,
  RoomSummary,
  UpdateRoomCommand,
  paginateListRooms,
} from '@aws-sdk/client-ivschat';
import { ACCOUNT, REGION, REQUEST_ID } from '../../fixtures/aws';
import { expectValidation } from '../../helpers/aws-assertions';
import { useLocalStack } from '../../helpers/local-stack';
import { json, signedPost } from '../../helpers/raw-http';

const SUMMARY_KEYS = ['arn', 'createTime', 'id', 'loggingConfigurationIdentifiers', 'name', 'tags', 'updateTime'];

const { stack, client } = useLocalStack();

/** A name prefix no other test in this file uses: every stack-wide listing also holds other tests' rooms. */
const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const list = (input: ListRoomsCommandInput = {}) => client.send(new ListRoomsCommand(input));

/** Creates rooms one after another, so each has a later updateTime than the one before (ties are broken by id). */
async function createSequentially(count: number, input: (i: number) => CreateRoomCommandInput = () => ({})) {
  const rooms: CreateRoomCommandOutput[] = [];
  for (let i = 0; i < count; i++) rooms.push(await client.send(new CreateRoomCommand(input(i))));
  return rooms;
}

/** Creates rooms ten at a time, for tests that need many and do not care about their order. */
async function createMany(count: number, input: (i: number) => CreateRoomCommandInput = () => ({})) {
  const rooms: CreateRoomCommandOutput[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => client.send(new CreateRoomCommand(input(i + j))));
    rooms.push(...(await Promise.all(batch)));
  }
  return rooms;
}

/** Every page of a listing, following nextToken by hand. */
async function allPages(input: ListRoomsCommandInput): Promise<ListRoomsCommandOutput[]> {
  const pages: ListRoomsCommandOutput[] = [];
  let nextToken: string | undefined;
  do {
    const page = await list({ ...input, nextToken });
    pages.push(page);
    nextToken = page.nextToken;
    if (pages.length > 1000) throw new Error('pagination does not end');
  } while (nextToken);
  return pages;
}

const ids = (rooms: RoomSummary[] | undefined) => (rooms ?? []).map((r) => r.id);
const time = (room: RoomSummary) => room.updateTime?.getTime() ?? NaN;

/** Asserts rooms are newest updateTime first, ties in descending id order. */
function expectNewestFirst(rooms: RoomSummary[]): void {
  for (let i = 1; i < rooms.length; i++) {
    const prev = rooms[i - 1] as RoomSummary;
    const cur = rooms[i] as RoomSummary;
    expect(time(prev)).toBeGreaterThanOrEqual(time(cur));
    if (time(prev) === time(cur)) expect(String(prev.id) > String(cur.id)).toBe(true);
  }
}

/** Asserts one page-by-page walk: full pages but the last, no nextToken on the last, no id twice. */
function expectWellFormedPages(pages: ListRoomsCommandOutput[], pageSize: number): RoomSummary[] {
  const rooms = pages.flatMap((p) => p.rooms ?? []);
  pages.forEach((page, i) => {
    const last = i === pages.length - 1;
    if (last) {
      expect(page.nextToken).toBeUndefined();
      expect(page.rooms?.length).toBeLessThanOrEqual(pageSize);
    } else {
      expect(page.rooms).toHaveLength(pageSize);
      expect(page.nextToken).toEqual(expect.any(String));
    }
  });
  expect(new Set(ids(rooms)).size).toBe(rooms.length);
  expectNewestFirst(rooms);
  return rooms;
}

/** A SigV4-signed ListRooms sent without the SDK, to see the exact JSON keys on the wire. */
async function rawListRooms(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await signedPost(stack.apiUrl, 'ListRooms', JSON.stringify(body));
  return { status: res.status, json: json(res) };
}

const decodeToken = (token: string) => JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
const encodeToken = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');

describe('order', () => {
  test('is newest updateTime first, and UpdateRoom moves a room to the front', async () => {
    const name = unique('order');
    const [a, b, c] = await createSequentially(3, () => ({ name }));
    const byName = await list({ name });
    expect(ids(byName.rooms)).toEqual([c?.id, b?.id, a?.id]);

    const everything = allPages({}).then((pages) => pages.flatMap((p) => p.rooms ?? []));
    const mine = (await everything).filter((r) => r.name === name);
    expect(ids(mine)).toEqual([c?.id, b?.id, a?.id]);

    await client.send(new UpdateRoomCommand({ identifier: String(a?.arn) }));
    expect(ids((await list({ maxResults: 1 })).rooms)).toEqual([a?.id]);
    expect(ids((await list({ name })).rooms)).toEqual([a?.id, c?.id, b?.id]);
  });

  test('of the whole listing is newest first', async () => {
    await createMany(12);
    expectNewestFirst((await allPages({ maxResults: 7 })).flatMap((p) => p.rooms ?? []));
  });
});

describe('pagination', () => {
  test('over 23 new rooms with maxResults 5 misses none and repeats none (TV7)', async () => {
    const name = unique('page23');
    const created = await createSequentially(23, () => ({ name }));
    const before = (await allPages({ maxResults: 50 })).flatMap((p) => p.rooms ?? []);

    const pages = await allPages({ maxResults: 5 });
    const rooms = expectWellFormedPages(pages, 5);
    expect(ids(rooms)).toEqual(ids(before));
    expect(ids(rooms.filter((r) => r.name === name))).toEqual(ids(created).reverse());
  });

  test('over the name index: 23 rooms, maxResults 5 gives pages of 5, 5, 5, 5, 3', async () => {
    const name = unique('named23');
    const created = await createMany(23, () => ({ name }));
    await createMany(4, () => ({ name: `${name}-other` }));
    const pages = await allPages({ name, maxResults: 5 });
    expect(pages.map((p) => p.rooms?.length)).toEqual([5, 5, 5, 5, 3]);
    const rooms = expectWellFormedPages(pages, 5);
    expect(new Set(ids(rooms))).toEqual(new Set(ids(created)));
    expect(rooms.every((r) => r.name === name)).toBe(true);
  });

  test('ends without a nextToken when the rooms fill the pages exactly (name index)', async () => {
    const name = unique('exact10');
    const created = await createSequentially(10, () => ({ name }));
    const first = await list({ name, maxResults: 5 });
    expect(ids(first.rooms)).toEqual(ids(created.slice(5)).reverse());
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await list({ name, maxResults: 5, nextToken: first.nextToken });
    expect(ids(second.rooms)).toEqual(ids(created.slice(0, 5)).reverse());
    expect(second.nextToken).toBeUndefined();
  });

  test('ends without a nextToken when the rooms fill the pages exactly (all rooms)', async () => {
    const count = (await allPages({})).reduce((n, p) => n + (p.rooms?.length ?? 0), 0);
    const toAdd = ((5 - (count % 5)) % 5) + (count < 10 ? 10 : 0);
    await createMany(toAdd);
    const total = count + toAdd;
    expect(total % 5).toBe(0);

    const pages = await allPages({ maxResults: 5 });
    expect(pages).toHaveLength(total / 5);
    expectWellFormedPages(pages, 5);
    expect(pages[pages.length - 1]?.rooms).toHaveLength(5);
  });

  test('leaves nextToken out of the JSON of the last page', async () => {
    const name = unique('rawlast');
    await createMany(3, () => ({ name }));
    const first = await rawListRooms({ name, maxResults: 2 });
    expect(first.json.nextToken).toEqual(expect.any(String));
    const last = await rawListRooms({ name, maxResults: 2, nextToken: first.json.nextToken });
    expect(Object.keys(last.json)).toEqual(['rooms']);
    expect(last.json.rooms).toHaveLength(1);
  });

  test('with maxResults 1 walks every room one by one', async () => {
    const name = unique('one');
    const created = await createSequentially(4, () => ({ name }));
    const pages = await allPages({ name, maxResults: 1 });
    expect(pages).toHaveLength(4);
    expect(ids(expectWellFormedPages(pages, 1))).toEqual(ids(created).reverse());
  });

  test('works through the SDK paginator', async () => {
    const name = unique('paginator');
    const created = await createSequentially(9, () => ({ name }));
    const pages: ListRoomsCommandOutput[] = [];
    for await (const page of paginateListRooms({ client, pageSize: 4 }, { name })) pages.push(page);
    expect(pages.map((p) => p.rooms?.length)).toEqual([4, 4, 1]);
    expect(ids(pages.flatMap((p) => p.rooms ?? []))).toEqual(ids(created).reverse());
  });

  test('defaults to pages of 50', async () => {
    const name = unique('fifty');
    const created = await createMany(52, () => ({ name }));
    const first = await list({ name });
    expect(first.rooms).toHaveLength(50);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await list({ name, nextToken: first.nextToken });
    expect(second.rooms).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
    expect(new Set([...ids(first.rooms), ...ids(second.rooms)])).toEqual(new Set(ids(created)));

    const unfiltered = await list({});
    expect(unfiltered.rooms).toHaveLength(50);
    expect(unfiltered.nextToken).toEqual(expect.any(String));
  });

  test('accepts maxResults 50 and a page size changed between pages', async () => {
    const name = unique('resize');
    const created = await createSequentially(6, () => ({ name }));
    const first = await list({ name, maxResults: 2 });
    const rest = await list({ name, maxResults: 50, nextToken: first.nextToken });
    expect(ids(rest.rooms)).toEqual(ids(created.slice(0, 4)).reverse());
    expect(rest.nextToken).toBeUndefined();
  });

  test('skips a room deleted between pages and never repeats one', async () => {
    const name = unique('churn');
    const created = await createSequentially(6, () => ({ name }));
    const first = await list({ name, maxResults: 3 });
    const nextOnPage2 = created[2];
    await client.send(new DeleteRoomCommand({ identifier: String(nextOnPage2?.arn) }));
    const second = await list({ name, maxResults: 3, nextToken: first.nextToken });
    expect(ids(second.rooms)).toEqual([created[1]?.id, created[0]?.id]);
    expect(second.nextToken).toBeUndefined();
  });

  test('an empty listing has no rooms and no nextToken', async () => {
    const page = await list({ name: unique('nobody') });
    expect(page.rooms).toEqual([]);
    expect(page.nextToken).toBeUndefined();
    expect(page.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
  });
});

describe('maxResults', () => {
  test.each([0, 51, -1, 1.5])('%p is a ValidationException', async (maxResults) => {
    await expectValidation(list({ maxResults }), ['maxResults']);
  });

  test('as a string is a ValidationException', async () => {
    await expectValidation(list({ maxResults: '5' as unknown as number }), ['maxResults']);
  });
});

describe('filters', () => {
  test('name matches exactly, not as a prefix', async () => {
    const name = unique('exact');
    const [short] = await createMany(1, () => ({ name }));
    await createMany(2, (i) => ({ name: i === 0 ? `${name}x` : `x${name}` }));
    expect(ids((await list({ name })).rooms)).toEqual([short?.id]);
  });

  test('name follows UpdateRoom renames', async () => {
    const before = unique('before');
    const after = unique('after');
    const [room, stays] = await createSequentially(2, () => ({ name: before }));
    await client.send(new UpdateRoomCommand({ identifier: String(room?.arn), name: after }));
    expect(ids((await list({ name: before })).rooms)).toEqual([stays?.id]);
    expect((await list({ name: after })).rooms).toMatchObject([{ id: room?.id, name: after }]);
  });

  test('name drops deleted rooms', async () => {
    const name = unique('gone');
    const [a, b] = await createSequentially(2, () => ({ name }));
    await client.send(new DeleteRoomCommand({ identifier: String(a?.arn) }));
    expect(ids((await list({ name })).rooms)).toEqual([b?.id]);
    expect(ids((await allPages({})).flatMap((p) => p.rooms ?? []))).not.toContain(a?.id);
  });

  test('name "" finds the rooms created without a name', async () => {
    const uri = lambdaArn(unique('unnamed'));
    const [unnamed, named] = await createSequentially(2, (i) => ({
      ...(i === 1 ? { name: unique('named') } : {}),
      messageReviewHandler: { uri },
    }));
    expect(ids((await list({ name: '', messageReviewHandlerUri: uri })).rooms)).toEqual([unnamed?.id]);
    expect(ids((await list({ messageReviewHandlerUri: uri })).rooms)).toEqual([named?.id, unnamed?.id]);
  });

  test('an invalid name filter is a ValidationException', async () => {
    await expectValidation(list({ name: 'not valid!' }), ['name']);
    await expectValidation(list({ name: 'a'.repeat(129) }), ['name']);
  });

  test('messageReviewHandlerUri returns only rooms with that handler, page by page', async () => {
    const label = unique('mrh');
    const uri = lambdaArn(`${label}-1`);
    const otherUri = lambdaArn(`${label}-2`);
    const created = await createSequentially(9, (i) => ({
      name: label,
      ...(i % 3 === 0 ? {} : { messageReviewHandler: { uri: i % 3 === 1 ? uri : otherUri } }),
    }));
    const withUri = created.filter((_, i) => i % 3 === 1);
    const withOther = created.filter((_, i) => i % 3 === 2);

    const pages = await allPages({ messageReviewHandlerUri: uri, maxResults: 2 });
    expect(pages.map((p) => p.rooms?.length)).toEqual([2, 1]);
    const rooms = expectWellFormedPages(pages, 2);
    expect(ids(rooms)).toEqual(ids(withUri).reverse());
    expect(rooms.every((r) => r.messageReviewHandler?.uri === uri)).toBe(true);

    expect(ids((await list({ messageReviewHandlerUri: otherUri })).rooms)).toEqual(ids(withOther).reverse());
    expect(ids((await list({ messageReviewHandlerUri: uri, name: label })).rooms)).toEqual(ids(withUri).reverse());
    expect((await list({ messageReviewHandlerUri: uri, name: unique('none') })).rooms).toEqual([]);
  });

  test('messageReviewHandlerUri "" returns only rooms without a handler', async () => {
    const name = unique('nohandler');
    const [without, withHandler] = await createSequentially(2, (i) => ({
      name,
      ...(i === 1 ? { messageReviewHandler: { uri: lambdaArn(name) } } : {}),
    }));
    const page = await list({ name, messageReviewHandlerUri: '' });
    expect(ids(page.rooms)).toEqual([without?.id]);
    expect(ids(page.rooms)).not.toContain(withHandler?.id);
  });

  test('messageReviewHandlerUri follows UpdateRoom removing the handler', async () => {
    const uri = lambdaArn(unique('removed'));
    const [room] = await createMany(1, () => ({ messageReviewHandler: { uri } }));
    expect(ids((await list({ messageReviewHandlerUri: uri })).rooms)).toEqual([room?.id]);
    await client.send(new UpdateRoomCommand({ identifier: String(room?.arn), messageReviewHandler: { uri: '' } }));
    expect((await list({ messageReviewHandlerUri: uri })).rooms).toEqual([]);
  });

  test('messageReviewHandlerUri finds sparse matches behind many other rooms', async () => {
    const uri = lambdaArn(unique('sparse'));
    const matching = await createSequentially(2, () => ({ messageReviewHandler: { uri } }));
    await createMany(120);
    const pages = await allPages({ messageReviewHandlerUri: uri, maxResults: 1 });
    expect(pages.map((p) => ids(p.rooms))).toEqual([[matching[1]?.id], [matching[0]?.id]]);
    expect(pages[1]?.nextToken).toBeUndefined();
  });

  test('an invalid messageReviewHandlerUri is a ValidationException', async () => {
    await expectValidation(list({ messageReviewHandlerUri: 'https://example.com' }), ['messageReviewHandlerUri']);
  });

  test('an invalid loggingConfigurationIdentifier is a ValidationException', async () => {
    await expectValidation(list({ loggingConfigurationIdentifier: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/abcdEFGH1234` }), [
      'loggingConfigurationIdentifier',
    ]);
  });
});

describe('nextToken', () => {
  /** A real token from a two-page listing of rooms named `name`. */
  async function tokenFor(input: ListRoomsCommandInput): Promise<string> {
    const page = await list({ ...input, maxResults: 1 });
    expect(page.nextToken).toEqual(expect.any(String));
    return String(page.nextToken);
  }

  test.each([
    ['garbage', 'not a token!'],
    ['base64url that is not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON that is not a token', encodeToken({ hello: 'world' })],
    ['a token longer than 1024 characters', 'a'.repeat(1025)],
  ])('%s is a ValidationException', async (_label, nextToken) => {
    await expectValidation(list({ nextToken }), ['nextToken']);
  });

  test('from one name filter is refused with another name filter', async () => {
    const a = unique('tokA');
    const b = unique('tokB');
    await createMany(2, () => ({ name: a }));
    await createMany(2, () => ({ name: b }));
    const token = await tokenFor({ name: a });
    await expectValidation(list({ name: b, nextToken: token }), ['nextToken']);
    await expectValidation(list({ nextToken: token }), ['nextToken']);
    await expect(list({ name: a, nextToken: token })).resolves.toMatchObject({ rooms: [expect.anything()] });
  });

  test('from the unfiltered listing is refused with a filter', async () => {
    await createMany(2);
    const token = await tokenFor({});
    await expectValidation(list({ name: 'anything', nextToken: token }), ['nextToken']);
    await expectValidation(list({ messageReviewHandlerUri: lambdaArn('x'), nextToken: token }), ['nextToken']);
  });

  test('from one messageReviewHandlerUri filter is refused with another', async () => {
    const uri = lambdaArn(unique('tokuri'));
    await createMany(2, () => ({ messageReviewHandler: { uri } }));
    const token = await tokenFor({ messageReviewHandlerUri: uri });
    await expectValidation(list({ messageReviewHandlerUri: lambdaArn('other'), nextToken: token }), ['nextToken']);
    await expectValidation(list({ messageReviewHandlerUri: uri, name: 'x', nextToken: token }), ['nextToken']);
  });

  test('edited by hand to point into another partition or filter set is refused', async () => {
    const name = unique('forged');
    await createMany(3, () => ({ name }));
    const token = await tokenFor({ name });
    const body = decodeToken(token);
    const position = String(body.p);
    const forgeries = [
      { ...body, p: `ROOMNAME#${name}` },
      { ...body, p: `ROOMS#${position}` },
      { ...body, p: `ROOM#${position.slice(position.indexOf('#') + 1)}` },
      { ...body, p: `${position}#extra` },
      { ...body, p: 42 },
      { ...body, f: 'AAAAAAAAAAAAAAAA' },
      { ...body, v: 2 },
      { p: body.p },
    ];
    for (const forged of forgeries) {
      await expectValidation(list({ name, nextToken: encodeToken(forged) }), ['nextToken']);
    }
  });
});

describe('RoomSummary', () => {
  test('has no message limits, in the JSON nor in the SDK output', async () => {
    const name = unique('summary');
    const uri = lambdaArn(name);
    const [plain, handled] = await createSequentially(2, (i) => ({
      name,
      maximumMessageLength: 7,
      maximumMessageRatePerSecond: 3,
      tags: { k: 'v' },
      ...(i === 1 ? { messageReviewHandler: { uri, fallbackResult: 'DENY' as const } } : {}),
    }));

    const raw = await rawListRooms({ name });
    expect(raw.status).toBe(200);
    const rooms = raw.json.rooms as Array<Record<string, unknown>>;
    expect(rooms.map((r) => Object.keys(r).sort())).toEqual([[...SUMMARY_KEYS, 'messageReviewHandler'].sort(), SUMMARY_KEYS]);
    expect(rooms[0]).toEqual({
      arn: handled?.arn,
      id: handled?.id,
      name,
      createTime: handled?.createTime?.toISOString(),
      updateTime: handled?.updateTime?.toISOString(),
      messageReviewHandler: { uri, fallbackResult: 'DENY' },
      tags: { k: 'v' },
      loggingConfigurationIdentifiers: [],
    });

    const viaSdk = await list({ name });
    for (const room of viaSdk.rooms ?? []) {
      expect(Object.keys(room)).not.toContain('maximumMessageLength');
      expect(Object.keys(room)).not.toContain('maximumMessageRatePerSecond');
    }
    expect(viaSdk.rooms?.[1]).toEqual({
      arn: plain?.arn,
      id: plain?.id,
      name,
      createTime: plain?.createTime,
      updateTime: plain?.updateTime,
      tags: { k: 'v' },
      loggingConfigurationIdentifiers: [],
    });
  });
});
