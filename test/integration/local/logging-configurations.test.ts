import {
  ConflictException,
  CreateLoggingConfigurationCommand,
  CreateLoggingConfigurationCommandInput,
  CreateLoggingConfigurationCommandOutput,
  CreateRoomCommand,
  DeleteLoggingConfigurationCommand,
  DeleteRoomCommand,
  GetLoggingConfigurationCommand,
  GetRoomCommand,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  LoggingConfigurationSummary,
  ServiceQuotaExceededException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateLoggingConfigurationCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { ACCOUNT, LOGGING_ARN_PREFIX, REGION, REQUEST_ID, ROOM_ARN_PREFIX } from '../../fixtures/aws';
import { expectNotFound, expectValidation } from '../../helpers/aws-assertions';
import { ivschat, startInProcess, useLocalStack } from '../../helpers/local-stack';
import { json, signedPost } from '../../helpers/raw-http';

const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[a-zA-Z0-9]{12}$/;

// Above AWS's 10, so that the tests of this file do not run into the quota (tested on its own stack below).
const { stack, client } = useLocalStack({ IVSCHAT_MAX_LOGGING_CONFIGURATIONS: '500' });

const create = (input: CreateLoggingConfigurationCommandInput, on = client) => on.send(new CreateLoggingConfigurationCommand(input));
const s3 = (bucketName = 'my-bucket') => ({ s3: { bucketName } });
const get = (identifier: string) => client.send(new GetLoggingConfigurationCommand({ identifier }));
const remove = (identifier: string, on = client) => on.send(new DeleteLoggingConfigurationCommand({ identifier }));
const createRoom = (loggingConfigurationIdentifiers: string[]) => client.send(new CreateRoomCommand({ loggingConfigurationIdentifiers }));
const attach = (identifier: string, loggingConfigurationIdentifiers: string[]) =>
  client.send(new UpdateRoomCommand({ identifier, loggingConfigurationIdentifiers }));
const withoutMetadata = <T extends { $metadata?: unknown }>(output: T) => {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
};
/** An id no configuration has. */
const unknownId = () => `zz${Math.random().toString(36).slice(2, 12).padEnd(10, 'q')}`.replace(/[^a-zA-Z0-9]/g, 'q');

/** Asserts a ConflictException about this logging configuration. */
async function expectConflict(promise: Promise<unknown>, resourceId: string): Promise<void> {
  const rejection = expect(promise).rejects;
  await rejection.toBeInstanceOf(ConflictException);
  await rejection.toMatchObject({ resourceId, resourceType: 'LOGGING_CONFIGURATION', $metadata: { httpStatusCode: 409 } });
}

describe('lifecycle (TV11)', () => {
  let created: CreateLoggingConfigurationCommandOutput;
  beforeAll(async () => {
    created = await create({ name: 'logs', destinationConfiguration: s3() });
  });

  test('CreateLoggingConfiguration answers the eight members, ACTIVE, with defaults filled in', () => {
    expect(withoutMetadata(created)).toEqual({
      arn: `${LOGGING_ARN_PREFIX}${created.id}`,
      id: expect.stringMatching(ID),
      name: 'logs',
      destinationConfiguration: { s3: { bucketName: 'my-bucket' } },
      state: 'ACTIVE',
      tags: {},
      createTime: created.updateTime,
      updateTime: expect.any(Date),
    });
    expect(created.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
  });

  test('GetLoggingConfiguration answers the same', async () => {
    expect(withoutMetadata(await get(String(created.arn)))).toEqual(withoutMetadata(created));
  });

  test('timestamps are RFC 3339 strings with milliseconds on the wire', async () => {
    const response = json(await signedPost(stack.apiUrl, 'GetLoggingConfiguration', JSON.stringify({ identifier: created.arn })));
    expect(response.createTime).toMatch(RFC3339_MS);
    expect(response.updateTime).toMatch(RFC3339_MS);
    expect(Object.keys(response).sort()).toEqual([
      'arn',
      'createTime',
      'destinationConfiguration',
      'id',
      'name',
      'state',
      'tags',
      'updateTime',
    ]);
  });

  test('UpdateLoggingConfiguration changes only what it is given; the destination may change kind', async () => {
    const configuration = await create({ name: 'before', destinationConfiguration: s3(), tags: { keep: 'me' } });
    await new Promise((r) => setTimeout(r, 5));
    const renamed = await client.send(new UpdateLoggingConfigurationCommand({ identifier: configuration.arn, name: 'after' }));
    expect(renamed).toMatchObject({ name: 'after', destinationConfiguration: s3(), tags: { keep: 'me' }, state: 'ACTIVE' });
    expect(renamed.updateTime?.getTime()).toBeGreaterThan(configuration.updateTime?.getTime() ?? Infinity);
    expect(renamed.createTime).toEqual(configuration.createTime);

    const moved = await client.send(
      new UpdateLoggingConfigurationCommand({
        identifier: configuration.arn,
        destinationConfiguration: { firehose: { deliveryStreamName: 'chat' } },
      }),
    );
    expect(moved.destinationConfiguration).toEqual({ firehose: { deliveryStreamName: 'chat' } });
    expect(moved.name).toBe('after');
    expect(withoutMetadata(await get(String(configuration.arn)))).toEqual(withoutMetadata(moved));
  });

  test('DeleteLoggingConfiguration answers 204; the configuration is gone', async () => {
    const configuration = await create({ destinationConfiguration: { cloudWatchLogs: { logGroupName: '/aws/ivs/chat' } } });
    expect(configuration.name).toBe('');
    const deleted = await remove(String(configuration.arn));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectNotFound(get(String(configuration.arn)), String(configuration.id), 'LOGGING_CONFIGURATION');
    await expectNotFound(remove(String(configuration.arn)), String(configuration.id), 'LOGGING_CONFIGURATION');
    await expectNotFound(
      client.send(new UpdateLoggingConfigurationCommand({ identifier: configuration.arn, name: 'x' })),
      String(configuration.id),
      'LOGGING_CONFIGURATION',
    );
  });

  test('its tags go through TagResource, UntagResource and ListTagsForResource on its ARN', async () => {
    const configuration = await create({ destinationConfiguration: s3(), tags: { a: '1' } });
    const resourceArn = String(configuration.arn);
    await client.send(new TagResourceCommand({ resourceArn, tags: { b: '2' } }));
    await client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] }));
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual({ b: '2' });
    expect((await get(resourceArn)).tags).toEqual({ b: '2' });
    await remove(resourceArn);
    await expectNotFound(client.send(new ListTagsForResourceCommand({ resourceArn })), String(configuration.id), 'LOGGING_CONFIGURATION');
  });
});

describe('validation', () => {
  // One case a line, as a table.
  // prettier-ignore
  test.each([
    ['no destination', {}, ['destinationConfiguration']],
    ['an empty destination', { destinationConfiguration: {} }, ['destinationConfiguration']],
    ['two destinations (a union holds one)', { destinationConfiguration: { ...s3('b1'), firehose: { deliveryStreamName: 'f' } } }, ['destinationConfiguration']],
    ['a bucket name of 2 characters', { destinationConfiguration: s3('ab') }, ['destinationConfiguration.s3.bucketName']],
    ['a bucket name with capitals', { destinationConfiguration: s3('My-Bucket') }, ['destinationConfiguration.s3.bucketName']],
    ['an s3 destination without a bucket', { destinationConfiguration: { s3: {} } }, ['destinationConfiguration.s3.bucketName']],
    ['a log group with a space', { destinationConfiguration: { cloudWatchLogs: { logGroupName: 'my group' } } }, ['destinationConfiguration.cloudWatchLogs.logGroupName']],
    ['a log group of 513 characters', { destinationConfiguration: { cloudWatchLogs: { logGroupName: 'g'.repeat(513) } } }, ['destinationConfiguration.cloudWatchLogs.logGroupName']],
    ['a delivery stream with a slash', { destinationConfiguration: { firehose: { deliveryStreamName: 'a/b' } } }, ['destinationConfiguration.firehose.deliveryStreamName']],
    ['a delivery stream of 65 characters', { destinationConfiguration: { firehose: { deliveryStreamName: 'f'.repeat(65) } } }, ['destinationConfiguration.firehose.deliveryStreamName']],
    ['a bad name', { name: 'no spaces', destinationConfiguration: s3() }, ['name']],
    ['a name of 129 characters', { name: 'n'.repeat(129), destinationConfiguration: s3() }, ['name']],
    ['51 tags', { destinationConfiguration: s3(), tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, ['tags']],
  ])('CreateLoggingConfiguration with %s is a ValidationException', async (_label, input, fields) => {
    await expectValidation(create(input as CreateLoggingConfigurationCommandInput), fields);
  });

  test('identifiers must be logging-configuration ARNs', async () => {
    for (const identifier of ['abcdEFGH1234', `${ROOM_ARN_PREFIX}abcdEFGH1234`, '']) {
      await expectValidation(get(identifier), ['identifier']);
      await expectValidation(remove(identifier), ['identifier']);
      await expectValidation(client.send(new UpdateLoggingConfigurationCommand({ identifier, name: 'x' })), ['identifier']);
    }
  });

  test('UpdateLoggingConfiguration validates the destination like Create, changing nothing', async () => {
    const configuration = await create({ destinationConfiguration: s3() });
    await expectValidation(
      client.send(
        new UpdateLoggingConfigurationCommand({
          identifier: configuration.arn,
          destinationConfiguration: { ...s3(), cloudWatchLogs: { logGroupName: 'g' } } as never,
        }),
      ),
      ['destinationConfiguration'],
    );
    expect((await get(String(configuration.arn))).destinationConfiguration).toEqual(s3());
  });

  test('an unknown configuration, or one of another region or account, is ResourceNotFoundException', async () => {
    const configuration = await create({ destinationConfiguration: s3() });
    const id = String(configuration.id);
    for (const arn of [
      `${LOGGING_ARN_PREFIX}${unknownId()}`,
      `arn:aws:ivschat:eu-west-1:${ACCOUNT}:logging-configuration/${id}`,
      `arn:aws:ivschat:${REGION}:123456789012:logging-configuration/${id}`,
    ]) {
      const arnId = arn.slice(arn.lastIndexOf('/') + 1);
      await expectNotFound(get(arn), arnId, 'LOGGING_CONFIGURATION');
      await expectNotFound(remove(arn), arnId, 'LOGGING_CONFIGURATION');
    }
    expect((await get(String(configuration.arn))).state).toBe('ACTIVE');
  });
});

describe('ListLoggingConfigurations', () => {
  test('pages through every configuration, newest first, each once', async () => {
    const mine: CreateLoggingConfigurationCommandOutput[] = [];
    for (let i = 0; i < 5; i++) mine.push(await create({ name: `page-${i}`, destinationConfiguration: s3() }));
    const seen: LoggingConfigurationSummary[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListLoggingConfigurationsCommand({ maxResults: 2, nextToken }));
      expect(page.loggingConfigurations?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.loggingConfigurations ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    const ids = seen.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(seen.length / 2));
    expect(ids.filter((id) => mine.some((m) => m.id === id))).toEqual(mine.map((m) => m.id).reverse());
    const times = seen.map((c) => c.createTime?.getTime() ?? 0);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(seen.find((c) => c.id === mine[0]?.id)).toEqual(withoutMetadata(mine[0] as CreateLoggingConfigurationCommandOutput));
  });

  test('the default page holds up to 50; the last page has no nextToken', async () => {
    const all = await client.send(new ListLoggingConfigurationsCommand({}));
    expect(all.loggingConfigurations?.length).toBeGreaterThan(0);
    expect(all.loggingConfigurations?.length).toBeLessThanOrEqual(50);
    if ((all.loggingConfigurations?.length ?? 0) < 50) expect(all.nextToken).toBeUndefined();
  });

  test('a foreign or garbled nextToken, or maxResults out of range, is a ValidationException', async () => {
    await create({ destinationConfiguration: s3() });
    await create({ destinationConfiguration: s3() });
    const roomsToken = (await client.send(new ListRoomsCommand({ maxResults: 1 }))).nextToken;
    const ours = (await client.send(new ListLoggingConfigurationsCommand({ maxResults: 1 }))).nextToken;
    expect(ours).toEqual(expect.any(String));
    for (const nextToken of ['garbage', roomsToken ?? 'x', `${ours}x`]) {
      await expectValidation(client.send(new ListLoggingConfigurationsCommand({ nextToken })), ['nextToken']);
    }
    await expectValidation(client.send(new ListLoggingConfigurationsCommand({ maxResults: 51 })), ['maxResults']);
    await expectValidation(client.send(new ListLoggingConfigurationsCommand({ maxResults: 0 })), ['maxResults']);
  });
});

describe('rooms that use a configuration', () => {
  test('a room names up to 3; ListRooms finds it by configuration', async () => {
    const configurations = await Promise.all([1, 2, 3].map(() => create({ destinationConfiguration: s3() })));
    const arns = configurations.map((c) => String(c.arn));
    const room = await createRoom(arns);
    expect(room.loggingConfigurationIdentifiers).toEqual(arns);
    const listed = await client.send(new ListRoomsCommand({ loggingConfigurationIdentifier: arns[1] }));
    expect(listed.rooms?.map((r) => r.id)).toEqual([room.id]);
  });

  test('deleting a configuration a room uses is ConflictException and leaves it ACTIVE; once the room lets go, it deletes', async () => {
    const configuration = await create({ destinationConfiguration: s3() });
    const arn = String(configuration.arn);
    const id = String(configuration.id);
    const room = await createRoom([arn]);
    await expectConflict(remove(arn), id);
    expect((await get(arn)).state).toBe('ACTIVE');
    // Still usable by other rooms after the refusal.
    const other = await createRoom([arn]);
    await attach(String(room.arn), []);
    await expectConflict(remove(arn), id);
    await client.send(new DeleteRoomCommand({ identifier: other.arn }));
    expect((await remove(arn)).$metadata.httpStatusCode).toBe(204);
    await expectNotFound(createRoom([arn]), id, 'LOGGING_CONFIGURATION');
    await expectNotFound(attach(String(room.arn), [arn]), id, 'LOGGING_CONFIGURATION');
    expect((await client.send(new GetRoomCommand({ identifier: room.arn }))).loggingConfigurationIdentifiers).toEqual([]);
  });

  test('a room that swaps one configuration for another frees the first at once', async () => {
    const [first, second] = await Promise.all([create({ destinationConfiguration: s3() }), create({ destinationConfiguration: s3() })]);
    const room = await createRoom([String(first.arn)]);
    await attach(String(room.arn), [String(second.arn)]);
    await remove(String(first.arn));
    await expectConflict(remove(String(second.arn)), String(second.id));
  });

  test('failed CreateRoom and UpdateRoom calls leave nothing that blocks a delete', async () => {
    const configuration = await create({ destinationConfiguration: s3() });
    const arn = String(configuration.arn);
    const missing = `${LOGGING_ARN_PREFIX}${unknownId()}`;
    await expectNotFound(createRoom([arn, missing]), missing.slice(-12), 'LOGGING_CONFIGURATION');
    const room = await createRoom([]);
    await expectNotFound(attach(String(room.arn), [arn, missing]), missing.slice(-12), 'LOGGING_CONFIGURATION');
    expect((await client.send(new GetRoomCommand({ identifier: room.arn }))).loggingConfigurationIdentifiers).toEqual([]);
    expect((await remove(arn)).$metadata.httpStatusCode).toBe(204);
  });

  test('UpdateRoom racing DeleteLoggingConfiguration never leaves a room naming a deleted configuration', async () => {
    // How long an UpdateRoom that names a configuration takes here, to spread the races over it.
    const probe = await createRoom([]);
    const started = performance.now();
    for (let i = 0; i < 3; i++) await attach(String(probe.arn), [String((await create({ destinationConfiguration: s3() })).arn)]);
    const attachMs = (performance.now() - started) / 3;
    for (let run = 0; run < 24; run++) {
      const room = await createRoom([]);
      const arn = String((await create({ destinationConfiguration: s3() })).arn);
      // The delete starts 0 to 2 UpdateRoom-lengths after the attach: over the runs it meets every step of it.
      const [attached, deleted] = await Promise.allSettled([
        attach(String(room.arn), [arn]),
        new Promise((r) => setTimeout(r, Math.round((run * 2 * attachMs) / 24))).then(() => remove(arn)),
      ]);
      const names = (await client.send(new GetRoomCommand({ identifier: room.arn }))).loggingConfigurationIdentifiers?.includes(arn);
      const exists = await get(arn).then(
        () => true,
        () => false,
      );
      // Exactly one of the two wins: the room names a configuration that exists, or neither is left.
      expect({ attached: attached.status, deleted: deleted.status, names, exists }).toEqual(
        deleted.status === 'fulfilled'
          ? { attached: 'rejected', deleted: 'fulfilled', names: false, exists: false }
          : { attached: 'fulfilled', deleted: 'rejected', names: true, exists: true },
      );
    }
  });
});

test('the 11th logging configuration is ServiceQuotaExceededException (402) with the limit; a delete frees a place', async () => {
  const own = await startInProcess();
  const quotaClient = ivschat(own.apiUrl);
  try {
    const made: CreateLoggingConfigurationCommandOutput[] = [];
    for (let i = 0; i < 10; i++) made.push(await create({ destinationConfiguration: s3() }, quotaClient));
    const refused = create({ destinationConfiguration: s3() }, quotaClient);
    await expect(refused).rejects.toBeInstanceOf(ServiceQuotaExceededException);
    await expect(refused).rejects.toMatchObject({
      limit: 10,
      resourceType: 'LOGGING_CONFIGURATION',
      resourceId: expect.stringMatching(ID),
      $metadata: { httpStatusCode: 402 },
    });
    expect((await quotaClient.send(new ListLoggingConfigurationsCommand({}))).loggingConfigurations).toHaveLength(10);
    await remove(String(made[0]?.arn), quotaClient);
    await expect(create({ destinationConfiguration: s3() }, quotaClient)).resolves.toMatchObject({ state: 'ACTIVE' });
  } finally {
    quotaClient.destroy();
    await own.stop();
  }
});
