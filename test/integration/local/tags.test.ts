import {
  CreateRoomCommand,
  CreateRoomCommandInput,
  DeleteRoomCommand,
  GetRoomCommand,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { ACCOUNT, LOGGING_ARN_PREFIX, REGION, REQUEST_ID, ROOM_ARN_PREFIX } from '../../fixtures/aws';
import { expectNotFound, expectValidation } from '../../helpers/aws-assertions';
import { useLocalStack } from '../../helpers/local-stack';

const { client } = useLocalStack();

const createRoom = async (input: CreateRoomCommandInput = {}) => {
  const room = await client.send(new CreateRoomCommand(input));
  return { arn: String(room.arn), id: String(room.id) };
};
const tag = (resourceArn: string, tags: Record<string, string>) => client.send(new TagResourceCommand({ resourceArn, tags }));
const untag = (resourceArn: string, tagKeys: string[]) => client.send(new UntagResourceCommand({ resourceArn, tagKeys }));
const listTags = (resourceArn: string) => client.send(new ListTagsForResourceCommand({ resourceArn }));
/** The tags of a resource; ListTagsForResource must always return the map, `{}` when empty. */
const tagsOf = async (resourceArn: string): Promise<Record<string, string>> => {
  const { tags } = await listTags(resourceArn);
  expect(tags).toBeInstanceOf(Object);
  return tags as Record<string, string>;
};

/** An id no room has: 12 characters, like a real one. */
const unknownId = () => `zz${Math.random().toString(36).slice(2, 12).padEnd(10, 'q')}`.replace(/[^a-zA-Z0-9]/g, 'q');

const manyTags = (count: number, prefix = 'key') =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}-${i}`, `value-${i}`]));

describe('TagResource, UntagResource and ListTagsForResource', () => {
  test('tag, untag one key, list what is left (TV10)', async () => {
    const room = await createRoom();
    const tagged = await tag(room.arn, { a: '1', b: '2' });
    expect(Object.keys(tagged)).toEqual(['$metadata']);
    expect(tagged.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });

    const untagged = await untag(room.arn, ['a']);
    expect(Object.keys(untagged)).toEqual(['$metadata']);
    expect(untagged.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });

    const listed = await listTags(room.arn);
    expect(listed.tags).toEqual({ b: '2' });
    expect(listed.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
  });

  test('a room without tags lists {}', async () => {
    const room = await createRoom();
    expect(await tagsOf(room.arn)).toEqual({});
  });

  test('tags given to CreateRoom are listed, and tag changes show in GetRoom and ListRooms', async () => {
    const name = `tags-${Math.random().toString(36).slice(2, 10)}`;
    const room = await createRoom({ name, tags: { env: 'dev', team: 'chat' } });
    expect(await tagsOf(room.arn)).toEqual({ env: 'dev', team: 'chat' });

    await tag(room.arn, { owner: 'ann' });
    await untag(room.arn, ['team']);
    const expected = { env: 'dev', owner: 'ann' };
    expect(await tagsOf(room.arn)).toEqual(expected);
    expect((await client.send(new GetRoomCommand({ identifier: room.arn }))).tags).toEqual(expected);
    expect((await client.send(new ListRoomsCommand({ name }))).rooms?.[0]?.tags).toEqual(expected);
  });

  test('overwrites the value of a key that is already there', async () => {
    const room = await createRoom({ tags: { env: 'dev', keep: 'me' } });
    await tag(room.arn, { env: 'prod' });
    expect(await tagsOf(room.arn)).toEqual({ env: 'prod', keep: 'me' });
  });

  test('accepts an empty tag value and an empty map of tags', async () => {
    const room = await createRoom({ tags: { a: '1' } });
    await tag(room.arn, { empty: '' });
    await tag(room.arn, {});
    expect(await tagsOf(room.arn)).toEqual({ a: '1', empty: '' });
  });

  test('untagging an absent key succeeds and changes nothing, as often as it is repeated', async () => {
    const room = await createRoom({ tags: { a: '1' } });
    await untag(room.arn, ['missing']);
    await untag(room.arn, ['missing', 'also-missing']);
    expect(await tagsOf(room.arn)).toEqual({ a: '1' });
    await untag(room.arn, ['a']);
    await untag(room.arn, ['a']);
    expect(await tagsOf(room.arn)).toEqual({});
  });

  test('untagging the same key twice in one request succeeds', async () => {
    const room = await createRoom({ tags: { a: '1', b: '2' } });
    await untag(room.arn, ['a', 'a', 'missing', 'missing']);
    expect(await tagsOf(room.arn)).toEqual({ b: '2' });
  });

  test('keys with spaces, unicode and URL-special characters survive the path and query encoding', async () => {
    const keys = ['my key', 'ключ', '😀 emoji', 'a+b', 'a/b', 'a&b=c', '100%', '%41', 'a.b', '#hash', 'col:on', 'q?x', "it's", '[x]'];
    const tags = Object.fromEntries(keys.map((k, i) => [k, `${k} value ${i} ✓`]));
    const room = await createRoom();
    await tag(room.arn, tags);
    expect(await tagsOf(room.arn)).toEqual(tags);

    const removed = ['my key', 'ключ', '😀 emoji', 'a+b', 'a&b=c', '%41', '#hash'];
    await untag(room.arn, removed);
    const left = Object.fromEntries(Object.entries(tags).filter(([k]) => !removed.includes(k)));
    expect(await tagsOf(room.arn)).toEqual(left);
    expect(Object.keys(left)).toEqual(['a/b', '100%', 'a.b', 'col:on', 'q?x', "it's", '[x]']);
  });

  test('a key that looks like a nested path stays one key', async () => {
    const room = await createRoom({ tags: { a: 'outer' } });
    await tag(room.arn, { 'a.b': 'dotted', 'a[0]': 'indexed' });
    await untag(room.arn, ['a.b']);
    expect(await tagsOf(room.arn)).toEqual({ a: 'outer', 'a[0]': 'indexed' });
  });

  test('keys named like Object.prototype members are ordinary keys', async () => {
    const room = await createRoom({ tags: { constructor: 'c', toString: 't' } });
    expect(await tagsOf(room.arn)).toEqual({ constructor: 'c', toString: 't' });
    await tag(room.arn, { constructor: 'changed', hasOwnProperty: 'h', valueOf: 'v' });
    await untag(room.arn, ['toString']);
    const expected = { constructor: 'changed', hasOwnProperty: 'h', valueOf: 'v' };
    expect(await tagsOf(room.arn)).toEqual(expected);
    expect((await client.send(new GetRoomCommand({ identifier: room.arn }))).tags).toEqual(expected);
  });

  test('counts key and value lengths in code points', async () => {
    const key = '😀'.repeat(128);
    const value = '✓'.repeat(256);
    const room = await createRoom();
    await tag(room.arn, { [key]: value });
    expect(await tagsOf(room.arn)).toEqual({ [key]: value });
    await expectValidation(tag(room.arn, { ['😀'.repeat(129)]: 'v' }), ['tags.key']);
  });
});

describe('the 50-tag limit', () => {
  test('a room can have 50 tags, and a TagResource that would make 51 is refused', async () => {
    const fifty = manyTags(50);
    const room = await createRoom({ tags: fifty });
    expect(await tagsOf(room.arn)).toEqual(fifty);

    await expectValidation(tag(room.arn, { extra: 'x' }), ['tags']);
    await expectValidation(tag(room.arn, { 'key-0': 'changed', extra: 'x' }), ['tags']);
    expect(await tagsOf(room.arn)).toEqual(fifty);

    await tag(room.arn, { 'key-0': 'changed' });
    expect(await tagsOf(room.arn)).toEqual({ ...fifty, 'key-0': 'changed' });

    await untag(room.arn, ['key-1']);
    await tag(room.arn, { extra: 'x' });
    expect(Object.keys(await tagsOf(room.arn))).toHaveLength(50);
  });

  test('counts the tags already there', async () => {
    const room = await createRoom({ tags: manyTags(30, 'old') });
    await tag(room.arn, manyTags(20, 'new'));
    await expectValidation(tag(room.arn, { one: 'more' }), ['tags']);
    expect(Object.keys(await tagsOf(room.arn))).toHaveLength(50);
  });

  test('51 tags in one TagResource are refused', async () => {
    const room = await createRoom();
    await expectValidation(tag(room.arn, manyTags(51)), ['tags']);
    expect(await tagsOf(room.arn)).toEqual({});
  });

  test('concurrent TagResource calls near the limit stop at exactly 50', async () => {
    const room = await createRoom({ tags: manyTags(45) });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => tag(room.arn, { [`late-${i}`]: 'x' })));
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(5);
    expect(rejected).toHaveLength(5);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(ValidationException);
    expect(Object.keys(await tagsOf(room.arn))).toHaveLength(50);
  });
});

describe('validation', () => {
  test('a tag key of 129 characters is refused', async () => {
    const room = await createRoom();
    await expectValidation(tag(room.arn, { ['k'.repeat(129)]: 'v' }), ['tags.key']);
    await tag(room.arn, { ['k'.repeat(128)]: 'v' });
    expect(await tagsOf(room.arn)).toEqual({ ['k'.repeat(128)]: 'v' });
  });

  test('an empty tag key is refused', async () => {
    const room = await createRoom();
    await expectValidation(tag(room.arn, { '': 'v' }), ['tags.key']);
  });

  test('a tag value of 257 characters is refused', async () => {
    const room = await createRoom();
    await expectValidation(tag(room.arn, { big: 'v'.repeat(257) }), ['tags.big']);
    expect(await tagsOf(room.arn)).toEqual({});
  });

  test('TagResource without tags is refused', async () => {
    const room = await createRoom();
    await expectValidation(
      client.send(new TagResourceCommand({ resourceArn: room.arn } as { resourceArn: string; tags: Record<string, string> })),
      ['tags'],
    );
  });

  test('UntagResource with a key of 129 characters or more than 50 keys is refused', async () => {
    const room = await createRoom({ tags: { a: '1' } });
    await expectValidation(untag(room.arn, ['k'.repeat(129)]), ['tagKeys[0]']);
    await expectValidation(
      untag(
        room.arn,
        Array.from({ length: 51 }, (_, i) => `k${i}`),
      ),
      ['tagKeys'],
    );
    await untag(
      room.arn,
      Array.from({ length: 50 }, (_, i) => `k${i}`),
    );
    expect(await tagsOf(room.arn)).toEqual({ a: '1' });
  });

  const badArns: Array<[string, string]> = [
    ['a bare room id', 'abcdEFGH1234'],
    ['an ARN of another resource type', `arn:aws:ivschat:${REGION}:${ACCOUNT}:channel/abcdEFGH1234`],
    ['an ARN of another service', `arn:aws:ivs:${REGION}:${ACCOUNT}:room/abcdEFGH1234`],
    ['an ARN of another partition', `arn:aws-cn:ivschat:cn-north-1:${ACCOUNT}:room/abcdEFGH1234`],
    ['an ARN of 129 characters', `${ROOM_ARN_PREFIX}${'a'.repeat(129 - ROOM_ARN_PREFIX.length)}`],
  ];
  describe.each(badArns)('a resourceArn that is %s', (_label, arn) => {
    test('is refused by TagResource', async () => {
      await expectValidation(tag(arn, { a: '1' }), ['resourceArn']);
    });
    test('is refused by UntagResource', async () => {
      await expectValidation(untag(arn, ['a']), ['resourceArn']);
    });
    test('is refused by ListTagsForResource', async () => {
      await expectValidation(listTags(arn), ['resourceArn']);
    });
  });

  test('validates the ARN and the tags together', async () => {
    await expectValidation(tag('nope', { '': 'v' }), ['resourceArn', 'tags.key']);
  });
});

describe('resources that do not exist', () => {
  test('an unknown room is ResourceNotFoundException for all three operations', async () => {
    const id = unknownId();
    const arn = `${ROOM_ARN_PREFIX}${id}`;
    await expectNotFound(tag(arn, { a: '1' }), id);
    await expectNotFound(tag(arn, {}), id);
    await expectNotFound(untag(arn, ['a']), id);
    await expectNotFound(listTags(arn), id);
  });

  test('a logging configuration that does not exist is ResourceNotFoundException for all three operations', async () => {
    const id = unknownId();
    const arn = `${LOGGING_ARN_PREFIX}${id}`;
    await expectNotFound(tag(arn, { a: '1' }), id, 'LOGGING_CONFIGURATION');
    await expectNotFound(untag(arn, ['a']), id, 'LOGGING_CONFIGURATION');
    await expectNotFound(listTags(arn), id, 'LOGGING_CONFIGURATION');
  });

  test('a room named by an ARN of another region or account is not found', async () => {
    const room = await createRoom({ tags: { a: '1' } });
    for (const arn of [`arn:aws:ivschat:eu-west-1:${ACCOUNT}:room/${room.id}`, `arn:aws:ivschat:${REGION}:123456789012:room/${room.id}`]) {
      await expectNotFound(tag(arn, { b: '2' }), room.id);
      await expectNotFound(untag(arn, ['a']), room.id);
      await expectNotFound(listTags(arn), room.id);
    }
    expect(await tagsOf(room.arn)).toEqual({ a: '1' });
  });

  test('a deleted room is not found, and tagging it does not bring it back', async () => {
    const name = `deleted-${Math.random().toString(36).slice(2, 10)}`;
    const room = await createRoom({ name, tags: { a: '1' } });
    await client.send(new DeleteRoomCommand({ identifier: room.arn }));

    await expectNotFound(tag(room.arn, { b: '2' }), room.id);
    await expectNotFound(untag(room.arn, ['a']), room.id);
    await expectNotFound(listTags(room.arn), room.id);
    await expectNotFound(client.send(new GetRoomCommand({ identifier: room.arn })), room.id);
    expect((await client.send(new ListRoomsCommand({ name }))).rooms).toEqual([]);
  });
});

describe('concurrency', () => {
  test('20 concurrent TagResource calls adding different keys all land', async () => {
    const room = await createRoom({ tags: { original: 'yes' } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => tag(room.arn, { [`k${i}`]: `v${i}` })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await tagsOf(room.arn)).toEqual({
      original: 'yes',
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, `v${i}`])),
    });
  });

  test('concurrent TagResource and UntagResource on different keys both take effect', async () => {
    const room = await createRoom({ tags: manyTags(10, 'old') });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => tag(room.arn, { [`new-${i}`]: 'x' })),
      ...Array.from({ length: 10 }, (_, i) => untag(room.arn, [`old-${i}`])),
    ]);
    expect(await tagsOf(room.arn)).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`new-${i}`, 'x'])));
  });

  test('concurrent TagResource and DeleteRoom never resurrect the room', async () => {
    for (let round = 0; round < 5; round++) {
      const room = await createRoom({ tags: { a: '1' } });
      const tags = Array.from({ length: 8 }, (_, i) => tag(room.arn, { [`k${i}`]: 'v' }));
      const untags = Array.from({ length: 2 }, (_, i) => untag(room.arn, [`k${i}`]));
      const deleted = client.send(new DeleteRoomCommand({ identifier: room.arn }));
      const results = await Promise.allSettled([...tags, ...untags]);
      await expect(deleted).resolves.toMatchObject({ $metadata: { httpStatusCode: 204 } });
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ResourceNotFoundException);
      }
      await expectNotFound(client.send(new GetRoomCommand({ identifier: room.arn })), room.id);
      await expectNotFound(listTags(room.arn), room.id);
    }
  });
});
