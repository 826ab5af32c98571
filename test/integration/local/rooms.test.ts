import {
  CreateRoomCommand,
  CreateRoomCommandInput,
  DeleteRoomCommand,
  GetRoomCommand,
  ListRoomsCommand,
  ResourceNotFoundException,
  UpdateRoomCommand,
  UpdateRoomCommandInput,
} from '@aws-sdk/client-ivschat';
import { ACCOUNT, LOGGING_ARN_PREFIX, REGION, REQUEST_ID, ROOM_ARN_PREFIX } from '../../fixtures/aws';
import { expectNotFound, expectValidation } from '../../helpers/aws-assertions';
import { useLocalStack } from '../../helpers/local-stack';
import { signedPost } from '../../helpers/raw-http';

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:review';
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const { stack, client } = useLocalStack();

/** A room name no other test in this file uses. */
const uniqueName = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

/** A syntactically valid room ARN that names no room. */
const unknownRoomArn = () => `${ROOM_ARN_PREFIX}${'z'.repeat(4)}${Math.random().toString(36).slice(2, 10).padEnd(8, 'q')}`;

const createRoom = (input: CreateRoomCommandInput = {}) => client.send(new CreateRoomCommand(input));

const idOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** Waits until the clock has moved past `time`, so the next write gets a later timestamp. */
async function clockPast(time: Date): Promise<void> {
  while (Date.now() <= time.getTime()) await new Promise((r) => setTimeout(r, 1));
}

/** A SigV4-signed POST sent without the SDK, to look at the wire; a string body is sent as it is. */
async function rawPost(operation: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const res = await signedPost(stack.apiUrl, operation, typeof body === 'string' ? body : JSON.stringify(body));
  return { status: res.status, headers: res.headers, text: res.body };
}

describe('CreateRoom', () => {
  test('with no input returns the documented defaults (TV1)', async () => {
    const before = Date.now();
    const room = await createRoom({});
    const after = Date.now();

    expect(room.id).toMatch(/^[a-zA-Z0-9]{12}$/);
    expect(room.arn).toBe(`${ROOM_ARN_PREFIX}${room.id}`);
    expect(['', undefined]).toContain(room.name);
    expect(room.maximumMessageRatePerSecond).toBe(10);
    expect(room.maximumMessageLength).toBe(500);
    expect(room.tags).toEqual({});
    expect(room.loggingConfigurationIdentifiers).toEqual([]);
    expect(room.messageReviewHandler).toBeUndefined();
    expect(room.createTime).toBeInstanceOf(Date);
    expect(room.updateTime).toBeInstanceOf(Date);
    expect(room.createTime?.getTime()).toBeGreaterThanOrEqual(before);
    expect(room.createTime?.getTime()).toBeLessThanOrEqual(after);
    expect(room.updateTime).toEqual(room.createTime);
    expect(room.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
  });

  test('sends timestamps as RFC 3339 strings and the request id as x-amzn-RequestId', async () => {
    const res = await rawPost('CreateRoom', {});
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.createTime).toMatch(RFC3339_MS);
    expect(body.updateTime).toBe(body.createTime);
    expect(body).toEqual({
      arn: `${ROOM_ARN_PREFIX}${String(body.id)}`,
      id: expect.stringMatching(/^[a-zA-Z0-9]{12}$/),
      name: '',
      createTime: body.createTime,
      updateTime: body.updateTime,
      maximumMessageRatePerSecond: 10,
      maximumMessageLength: 500,
      tags: {},
      loggingConfigurationIdentifiers: [],
    });
  });

  test('mints a different id for every room', async () => {
    const rooms = await Promise.all(Array.from({ length: 10 }, () => createRoom()));
    expect(new Set(rooms.map((r) => r.id)).size).toBe(10);
  });

  test('echoes every field it was given (TV2), and GetRoom returns the same room', async () => {
    const name = uniqueName('my-room_1');
    const input = {
      name,
      maximumMessageRatePerSecond: 100,
      maximumMessageLength: 1,
      messageReviewHandler: { uri: LAMBDA_ARN, fallbackResult: 'DENY' as const },
      tags: { env: 'test' },
      loggingConfigurationIdentifiers: [],
    };
    const created = await createRoom(input);
    expect(created).toMatchObject(input);

    const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
    const { $metadata: _created, ...createdRoom } = created;
    const { $metadata, ...gotRoom } = got;
    expect(gotRoom).toEqual(createdRoom);
    expect($metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
    expect($metadata.requestId).not.toBe(_created.requestId);
  });

  test('defaults fallbackResult to ALLOW when only the handler uri is given', async () => {
    const room = await createRoom({ messageReviewHandler: { uri: LAMBDA_ARN } });
    expect(room.messageReviewHandler).toEqual({ uri: LAMBDA_ARN, fallbackResult: 'ALLOW' });
    const got = await client.send(new GetRoomCommand({ identifier: room.arn }));
    expect(got.messageReviewHandler).toEqual({ uri: LAMBDA_ARN, fallbackResult: 'ALLOW' });
  });

  test('treats a handler with an empty uri as no handler', async () => {
    const room = await createRoom({ messageReviewHandler: { uri: '', fallbackResult: 'DENY' } });
    expect(room.messageReviewHandler).toBeUndefined();
  });

  test('accepts every value at the edges of its range', async () => {
    const fiftyTags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key-${i}`, `value-${i}`]));
    const low = await createRoom({ name: '', maximumMessageRatePerSecond: 1, maximumMessageLength: 1 });
    expect(low).toMatchObject({ maximumMessageRatePerSecond: 1, maximumMessageLength: 1 });
    const name = `${uniqueName('n')}`.padEnd(128, 'x');
    const high = await createRoom({ name, maximumMessageRatePerSecond: 100, maximumMessageLength: 500, tags: fiftyTags });
    expect(high).toMatchObject({ name, maximumMessageRatePerSecond: 100, maximumMessageLength: 500, tags: fiftyTags });
    const longTag = await createRoom({ tags: { ['k'.repeat(128)]: 'v'.repeat(256), empty: '' } });
    expect(longTag.tags).toEqual({ ['k'.repeat(128)]: 'v'.repeat(256), empty: '' });
  });

  test('counts name length in code points and accepts all pattern characters', async () => {
    const name = `aZ09-_${'a'.repeat(122)}`;
    expect(name).toHaveLength(128);
    await expect(createRoom({ name })).resolves.toMatchObject({ name });
  });

  describe('rejects a bad member with a ValidationException naming it', () => {
    const fourLoggingArns = ['a', 'b', 'c', 'd'].map((c) => `${LOGGING_ARN_PREFIX}${c.repeat(12)}`);
    // One case a line, as a table.
    // prettier-ignore
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['a name outside the pattern', { name: 'bad name!' }, ['name']],
      ['a name with a dot', { name: 'a.b' }, ['name']],
      ['a name of 129 characters', { name: 'a'.repeat(129) }, ['name']],
      ['rate 0', { maximumMessageRatePerSecond: 0 }, ['maximumMessageRatePerSecond']],
      ['rate 101', { maximumMessageRatePerSecond: 101 }, ['maximumMessageRatePerSecond']],
      ['rate 1.5', { maximumMessageRatePerSecond: 1.5 }, ['maximumMessageRatePerSecond']],
      ['rate as a string', { maximumMessageRatePerSecond: '10' }, ['maximumMessageRatePerSecond']],
      ['rate -1', { maximumMessageRatePerSecond: -1 }, ['maximumMessageRatePerSecond']],
      ['length 0', { maximumMessageLength: 0 }, ['maximumMessageLength']],
      ['length 501', { maximumMessageLength: 501 }, ['maximumMessageLength']],
      [
        '51 tags',
        { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
        ['tags'],
      ],
      ['an empty tag key', { tags: { '': 'v' } }, ['tags.key']],
      ['a tag key of 129 characters', { tags: { ['k'.repeat(129)]: 'v' } }, ['tags.key']],
      ['a tag value of 257 characters', { tags: { big: 'v'.repeat(257) } }, ['tags.big']],
      ['a handler uri that is not a Lambda ARN', { messageReviewHandler: { uri: 'https://example.com/review' } }, ['messageReviewHandler.uri']],
      [
        'a handler uri whose account is not 12 digits',
        { messageReviewHandler: { uri: 'arn:aws:lambda:us-east-1:1234:function:review' } },
        ['messageReviewHandler.uri'],
      ],
      [
        'a handler uri of 171 characters',
        { messageReviewHandler: { uri: `arn:aws:lambda:us-east-1:000000000000:function:${'f'.repeat(124)}` } },
        ['messageReviewHandler.uri'],
      ],
      [
        'a fallbackResult outside the enum',
        { messageReviewHandler: { uri: LAMBDA_ARN, fallbackResult: 'MAYBE' } },
        ['messageReviewHandler.fallbackResult'],
      ],
      [
        'a handler in another account',
        { messageReviewHandler: { uri: 'arn:aws:lambda:us-east-1:123456789012:function:review' } },
        ['messageReviewHandler.uri'],
      ],
      [
        'a handler in another region',
        { messageReviewHandler: { uri: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:review` } },
        ['messageReviewHandler.uri'],
      ],
      ['four logging configurations', { loggingConfigurationIdentifiers: fourLoggingArns }, ['loggingConfigurationIdentifiers']],
      [
        'a logging configuration identifier that is a room ARN',
        { loggingConfigurationIdentifiers: [`${ROOM_ARN_PREFIX}abcdabcdabcd`] },
        ['loggingConfigurationIdentifiers[0]'],
      ],
      [
        'a bare logging configuration id',
        { loggingConfigurationIdentifiers: [`${LOGGING_ARN_PREFIX}aaaaaaaaaaaa`, 'abcdabcdabcd'] },
        ['loggingConfigurationIdentifiers[1]'],
      ],
    ];
    test.each(cases)('%s', async (_label, input, fields) => {
      await expectValidation(createRoom(input as CreateRoomCommandInput), fields);
    });

    test('lists every bad member when several are bad at once', async () => {
      await expectValidation(
        createRoom({
          name: 'bad name!',
          maximumMessageRatePerSecond: 101,
          maximumMessageLength: 0,
          messageReviewHandler: { uri: 'nope', fallbackResult: 'MAYBE' as 'ALLOW' },
        }),
        ['name', 'maximumMessageRatePerSecond', 'maximumMessageLength', 'messageReviewHandler.uri', 'messageReviewHandler.fallbackResult'],
      );
    });
  });

  test('creates nothing when validation fails', async () => {
    const name = uniqueName('invalid');
    await expectValidation(createRoom({ name, maximumMessageLength: 501 }), ['maximumMessageLength']);
    const listed = await client.send(new ListRoomsCommand({ name }));
    expect(listed.rooms).toEqual([]);
  });

  test('answers a logging configuration ARN that does not exist with ResourceNotFoundException', async () => {
    const name = uniqueName('logcfg');
    await expectNotFound(
      createRoom({ name, loggingConfigurationIdentifiers: [`${LOGGING_ARN_PREFIX}NoSuchConfig`] }),
      'NoSuchConfig',
      'LOGGING_CONFIGURATION',
    );
    const listed = await client.send(new ListRoomsCommand({ name }));
    expect(listed.rooms).toEqual([]);
  });

  test('answers a logging configuration ARN of another region with ResourceNotFoundException', async () => {
    await expectNotFound(
      createRoom({ loggingConfigurationIdentifiers: [`arn:aws:ivschat:eu-west-1:${ACCOUNT}:logging-configuration/abcdEFGH1234`] }),
      'abcdEFGH1234',
      'LOGGING_CONFIGURATION',
    );
  });
});

describe('GetRoom', () => {
  test('answers an unknown room with ResourceNotFoundException naming its id (TV5)', async () => {
    await expectNotFound(client.send(new GetRoomCommand({ identifier: `${ROOM_ARN_PREFIX}zzzzzzzzzzzz` })), 'zzzzzzzzzzzz');
  });

  test('does not find a room through an ARN of another region or account', async () => {
    const room = await createRoom();
    const otherRegion = `arn:aws:ivschat:us-west-2:${ACCOUNT}:room/${room.id}`;
    const otherAccount = `arn:aws:ivschat:${REGION}:123456789012:room/${room.id}`;
    await expectNotFound(client.send(new GetRoomCommand({ identifier: otherRegion })), String(room.id));
    await expectNotFound(client.send(new GetRoomCommand({ identifier: otherAccount })), String(room.id));
    await expect(client.send(new GetRoomCommand({ identifier: room.arn }))).resolves.toMatchObject({ id: room.id });
  });
});

describe('identifier validation', () => {
  const badIdentifiers: Array<[string, string | undefined]> = [
    ['a bare room id (TV4)', 'abcdEFGH1234'],
    ['an empty string', ''],
    ['a missing identifier', undefined],
    ['an ARN of another resource type', `arn:aws:ivschat:${REGION}:${ACCOUNT}:channel/abcdEFGH1234`],
    ['a logging configuration ARN', `${LOGGING_ARN_PREFIX}abcdEFGH1234`],
    ['an ARN of another service', `arn:aws:ivs:${REGION}:${ACCOUNT}:room/abcdEFGH1234`],
    ['an ARN of another partition', `arn:aws-cn:ivschat:cn-north-1:${ACCOUNT}:room/abcdEFGH1234`],
    ['an ARN with characters outside the id pattern', `${ROOM_ARN_PREFIX}abcd_EFGH.1234`],
    ['an ARN of 129 characters', `${ROOM_ARN_PREFIX}${'a'.repeat(129 - ROOM_ARN_PREFIX.length)}`],
  ];
  const operations: Array<[string, (identifier: string | undefined) => Promise<unknown>]> = [
    ['GetRoom', (identifier) => client.send(new GetRoomCommand({ identifier } as { identifier: string }))],
    ['UpdateRoom', (identifier) => client.send(new UpdateRoomCommand({ identifier, name: 'x' } as UpdateRoomCommandInput))],
    ['DeleteRoom', (identifier) => client.send(new DeleteRoomCommand({ identifier } as { identifier: string }))],
  ];
  describe.each(operations)('%s', (_operation, call) => {
    test.each(badIdentifiers)('rejects %s', async (_label, identifier) => {
      await expectValidation(call(identifier), ['identifier']);
    });
  });

  test('a 128-character ARN passes validation and is simply not found', async () => {
    const arn = `${ROOM_ARN_PREFIX}${'a'.repeat(128 - ROOM_ARN_PREFIX.length)}`;
    expect(arn).toHaveLength(128);
    await expectNotFound(client.send(new GetRoomCommand({ identifier: arn })), arn.slice(ROOM_ARN_PREFIX.length));
  });
});

describe('UpdateRoom', () => {
  const fullRoom = () =>
    createRoom({
      name: uniqueName('full'),
      maximumMessageRatePerSecond: 20,
      maximumMessageLength: 200,
      messageReviewHandler: { uri: LAMBDA_ARN, fallbackResult: 'DENY' },
      tags: { team: 'a' },
    });
  const withoutMetadata = <T extends { $metadata?: unknown }>(output: T) => {
    const { $metadata: _metadata, ...rest } = output;
    return rest;
  };

  test('changes only the members it is given', async () => {
    const created = await fullRoom();
    const newName = uniqueName('renamed');

    const renamed = await client.send(new UpdateRoomCommand({ identifier: created.arn, name: newName }));
    expect(withoutMetadata(renamed)).toEqual({ ...withoutMetadata(created), name: newName, updateTime: renamed.updateTime });

    const rated = await client.send(new UpdateRoomCommand({ identifier: created.arn, maximumMessageRatePerSecond: 5 }));
    expect(withoutMetadata(rated)).toEqual({
      ...withoutMetadata(created),
      name: newName,
      maximumMessageRatePerSecond: 5,
      updateTime: rated.updateTime,
    });

    const lengthened = await client.send(new UpdateRoomCommand({ identifier: created.arn, maximumMessageLength: 500 }));
    const handled = await client.send(
      new UpdateRoomCommand({ identifier: created.arn, messageReviewHandler: { uri: `${LAMBDA_ARN}-2`, fallbackResult: 'ALLOW' } }),
    );
    const expected = {
      ...withoutMetadata(created),
      name: newName,
      maximumMessageRatePerSecond: 5,
      maximumMessageLength: 500,
      messageReviewHandler: { uri: `${LAMBDA_ARN}-2`, fallbackResult: 'ALLOW' },
    };
    expect(lengthened.maximumMessageLength).toBe(500);
    expect(withoutMetadata(handled)).toEqual({ ...expected, updateTime: handled.updateTime });

    const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
    expect(withoutMetadata(got)).toEqual({ ...expected, updateTime: handled.updateTime });
  });

  test('with only the identifier changes nothing but updateTime', async () => {
    const created = await fullRoom();
    const updated = await client.send(new UpdateRoomCommand({ identifier: created.arn }));
    expect(withoutMetadata(updated)).toEqual({ ...withoutMetadata(created), updateTime: updated.updateTime });
  });

  test('moves updateTime forward and keeps createTime', async () => {
    const created = await createRoom();
    const first = await client.send(new UpdateRoomCommand({ identifier: created.arn, name: 'first' }));
    expect(first.updateTime?.getTime()).toBeGreaterThanOrEqual(created.updateTime?.getTime() ?? Infinity);
    expect(first.createTime).toEqual(created.createTime);

    await clockPast(first.updateTime as Date);
    const second = await client.send(new UpdateRoomCommand({ identifier: created.arn, name: 'second' }));
    expect(second.updateTime?.getTime()).toBeGreaterThan(first.updateTime?.getTime() ?? Infinity);
    expect(second.createTime).toEqual(created.createTime);

    const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
    expect(got.updateTime).toEqual(second.updateTime);
    expect(got.createTime).toEqual(created.createTime);
  });

  test('removes the review handler when given an empty uri', async () => {
    const created = await fullRoom();
    const updated = await client.send(new UpdateRoomCommand({ identifier: created.arn, messageReviewHandler: { uri: '' } }));
    expect(updated.messageReviewHandler).toBeUndefined();
    expect(updated.maximumMessageLength).toBe(200);
    const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
    expect(got.messageReviewHandler).toBeUndefined();
    expect(got.name).toBe(created.name);
  });

  test('adds a review handler to a room without one, defaulting fallbackResult to ALLOW', async () => {
    const created = await createRoom();
    const updated = await client.send(new UpdateRoomCommand({ identifier: created.arn, messageReviewHandler: { uri: LAMBDA_ARN } }));
    expect(updated.messageReviewHandler).toEqual({ uri: LAMBDA_ARN, fallbackResult: 'ALLOW' });
  });

  test('accepts an empty list of logging configurations', async () => {
    const created = await createRoom();
    const updated = await client.send(new UpdateRoomCommand({ identifier: created.arn, loggingConfigurationIdentifiers: [] }));
    expect(updated.loggingConfigurationIdentifiers).toEqual([]);
  });

  test('leaves tags alone', async () => {
    const created = await fullRoom();
    const updated = await client.send(new UpdateRoomCommand({ identifier: created.arn, name: 'tagless' }));
    expect(updated.tags).toEqual({ team: 'a' });
  });

  test('answers an unknown room with ResourceNotFoundException', async () => {
    const arn = unknownRoomArn();
    await expectNotFound(client.send(new UpdateRoomCommand({ identifier: arn, name: 'x' })), idOf(arn));
  });

  test('answers a room of another region with ResourceNotFoundException', async () => {
    const created = await createRoom();
    const arn = `arn:aws:ivschat:eu-central-1:${ACCOUNT}:room/${created.id}`;
    await expectNotFound(client.send(new UpdateRoomCommand({ identifier: arn, name: 'x' })), String(created.id));
  });

  describe('rejects bad members and leaves the room as it was', () => {
    // One case a line, as a table.
    // prettier-ignore
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['a bad name', { name: 'no spaces allowed' }, ['name']],
      ['rate 0', { maximumMessageRatePerSecond: 0 }, ['maximumMessageRatePerSecond']],
      ['rate 101', { maximumMessageRatePerSecond: 101 }, ['maximumMessageRatePerSecond']],
      ['rate 1.5', { maximumMessageRatePerSecond: 1.5 }, ['maximumMessageRatePerSecond']],
      ['length 501', { maximumMessageLength: 501 }, ['maximumMessageLength']],
      ['a bad handler uri', { messageReviewHandler: { uri: 'arn:aws:s3:::bucket' } }, ['messageReviewHandler.uri']],
      ['a bad fallbackResult', { messageReviewHandler: { uri: LAMBDA_ARN, fallbackResult: 'allow' } }, ['messageReviewHandler.fallbackResult']],
      ['a handler in another account', { messageReviewHandler: { uri: 'arn:aws:lambda:us-east-1:123456789012:function:r' } }, ['messageReviewHandler.uri']],
      ['a handler in another region', { messageReviewHandler: { uri: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:r` } }, ['messageReviewHandler.uri']],
      [
        'four logging configurations',
        { loggingConfigurationIdentifiers: ['a', 'b', 'c', 'd'].map((c) => `${LOGGING_ARN_PREFIX}${c.repeat(12)}`) },
        ['loggingConfigurationIdentifiers'],
      ],
      ['a bad logging configuration ARN', { loggingConfigurationIdentifiers: ['nope'] }, ['loggingConfigurationIdentifiers[0]']],
      ['several bad members', { name: '!', maximumMessageLength: 0 }, ['name', 'maximumMessageLength']],
    ];
    test.each(cases)('%s', async (_label, patch, fields) => {
      const created = await fullRoom();
      await expectValidation(client.send(new UpdateRoomCommand({ identifier: created.arn, ...patch } as UpdateRoomCommandInput)), fields);
      const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
      expect(withoutMetadata(got)).toEqual(withoutMetadata(created));
    });

    test('validates members before looking the room up', async () => {
      await expectValidation(client.send(new UpdateRoomCommand({ identifier: unknownRoomArn(), maximumMessageLength: 0 })), [
        'maximumMessageLength',
      ]);
    });
  });

  test('answers a logging configuration that does not exist with ResourceNotFoundException, changing nothing', async () => {
    const created = await fullRoom();
    await expectNotFound(
      client.send(
        new UpdateRoomCommand({
          identifier: created.arn,
          name: 'changed',
          loggingConfigurationIdentifiers: [`${LOGGING_ARN_PREFIX}abcdEFGH1234`],
        }),
      ),
      'abcdEFGH1234',
      'LOGGING_CONFIGURATION',
    );
    const got = await client.send(new GetRoomCommand({ identifier: created.arn }));
    expect(withoutMetadata(got)).toEqual(withoutMetadata(created));
  });
});

describe('DeleteRoom', () => {
  test('answers 204, after which the room is gone for every operation', async () => {
    const room = await createRoom({ name: uniqueName('doomed') });
    const deleted = await client.send(new DeleteRoomCommand({ identifier: room.arn }));
    expect(deleted.$metadata).toMatchObject({ httpStatusCode: 204, requestId: expect.stringMatching(REQUEST_ID) });
    expect(Object.keys(deleted)).toEqual(['$metadata']);

    const id = String(room.id);
    await expectNotFound(client.send(new GetRoomCommand({ identifier: room.arn })), id);
    await expectNotFound(client.send(new DeleteRoomCommand({ identifier: room.arn })), id);
    await expectNotFound(client.send(new UpdateRoomCommand({ identifier: room.arn, name: 'back' })), id);
    await expectNotFound(client.send(new GetRoomCommand({ identifier: room.arn })), id);
    const listed = await client.send(new ListRoomsCommand({ name: room.name }));
    expect(listed.rooms).toEqual([]);
  });

  test('answers 204 with an empty body on the wire (TV6)', async () => {
    const room = await createRoom();
    const res = await rawPost('DeleteRoom', { identifier: room.arn });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
  });

  test('answers an unknown room with ResourceNotFoundException', async () => {
    const arn = unknownRoomArn();
    await expectNotFound(client.send(new DeleteRoomCommand({ identifier: arn })), idOf(arn));
  });

  test('does not delete a room through an ARN of another account', async () => {
    const room = await createRoom();
    const arn = `arn:aws:ivschat:${REGION}:123456789012:room/${room.id}`;
    await expectNotFound(client.send(new DeleteRoomCommand({ identifier: arn })), String(room.id));
    await expect(client.send(new GetRoomCommand({ identifier: room.arn }))).resolves.toMatchObject({ id: room.id });
  });

  test('deletes only the room it names', async () => {
    const [a, b] = await Promise.all([createRoom(), createRoom()]);
    await client.send(new DeleteRoomCommand({ identifier: String(a?.arn) }));
    await expect(client.send(new GetRoomCommand({ identifier: String(b?.arn) }))).resolves.toMatchObject({ id: b?.id });
  });

  test('of the same room twice at once succeeds exactly once', async () => {
    const room = await createRoom();
    const results = await Promise.allSettled([
      client.send(new DeleteRoomCommand({ identifier: room.arn })),
      client.send(new DeleteRoomCommand({ identifier: room.arn })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('errors on the wire', () => {
  test('carry x-amzn-ErrorType, the request id, and the AWS error body', async () => {
    const res = await rawPost('GetRoom', { identifier: `${ROOM_ARN_PREFIX}zzzzzzzzzzzz` });
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
    expect(JSON.parse(res.text)).toEqual({ message: expect.any(String), resourceId: 'zzzzzzzzzzzz', resourceType: 'ROOM' });

    const bad = await rawPost('CreateRoom', { maximumMessageLength: 501 });
    expect(bad.status).toBe(400);
    expect(bad.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(bad.text)).toEqual({
      message: expect.any(String),
      reason: 'FIELD_VALIDATION_FAILED',
      fieldList: [{ name: 'maximumMessageLength', message: expect.any(String) }],
    });
  });

  test('a body that is not JSON is a ValidationException', async () => {
    const res = await rawPost('CreateRoom', '{"name":');
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(res.text)).toMatchObject({ reason: 'OTHER' });
  });
});
