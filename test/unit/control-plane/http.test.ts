import { Readable } from 'node:stream';
import {
  ConflictException as SdkConflict,
  GetRoomCommand,
  InternalServerException as SdkInternal,
  IvschatClient,
  ServiceQuotaExceededException as SdkQuota,
  ThrottlingException as SdkThrottling,
  CreateRoomCommand,
} from '@aws-sdk/client-ivschat';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeHandler as makeCreateRoom } from '../../../lambdas/control-plane/create-room';
import { makeHandler as makeGetRoom } from '../../../lambdas/control-plane/get-room';
import { withThrottling } from '../../../lambdas/data/dynamo-errors';
import type { RoomStore } from '../../../lambdas/data/rooms';
import type { Deps } from '../../../lambdas/core/deps';
import { readCorsAllowOrigin } from '../../../lambdas/shared/config';
import { ENV } from '../../../lambdas/shared/env';
import { ConflictException, ServiceQuotaExceededException, ThrottlingException } from '../../../lambdas/shared/errors';
import { lambdaContext, restEvent } from '../../fixtures/events';

const ARN = 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234';

/** What CreateRoom and GetRoom use, with a room store that fails every call with `error`. */
function failingDeps(error: () => unknown): Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'loggingConfigurations' | 'loggingReferences'> {
  const fail = async () => {
    throw error();
  };
  const rooms: RoomStore = {
    create: fail,
    get: fail,
    getRevisioned: fail,
    update: fail,
    updateAtRevision: fail,
    bumpRevision: fail,
    delete: fail,
    listPage: fail,
  };
  const none = async () => undefined;
  return {
    scope: { region: 'us-east-1', accountId: '000000000000' },
    idClock: { newId: () => 'abcdEFGH1234', now: () => new Date('2024-01-01T00:00:00Z') },
    rooms,
    loggingConfigurations: {
      assertExist: none,
      create: fail,
      get: fail,
      getMany: fail,
      update: fail,
      startDelete: fail,
      cancelDelete: fail,
      delete: fail,
      listPage: fail,
    },
    loggingReferences: { add: none, remove: none, ofConfiguration: fail },
  };
}

const dynamoError = (name: string) => Object.assign(new Error('from DynamoDB'), { name });

async function call(handler: ReturnType<typeof makeGetRoom>, body: string | null = JSON.stringify({ identifier: ARN })) {
  return (await handler(restEvent({ body }), lambdaContext)) as APIGatewayProxyResult;
}

describe('REST error mapping', () => {
  test('a DynamoDB throttle becomes ThrottlingException 429 with its members', async () => {
    const deps = failingDeps(() => undefined);
    deps.rooms.get = (id) => withThrottling(id, 'ROOM', async () => Promise.reject(dynamoError('ProvisionedThroughputExceededException')));
    const res = await call(makeGetRoom(deps));
    expect(res.statusCode).toBe(429);
    expect(res.headers).toMatchObject({ 'x-amzn-ErrorType': 'ThrottlingException', 'x-amzn-RequestId': 'req-1' });
    expect(JSON.parse(res.body)).toEqual({
      message: 'Rate exceeded, please slow down and retry',
      resourceId: 'abcdEFGH1234',
      resourceType: 'ROOM',
      limit: 0,
    });
  });

  test('an unknown failure is a 500 InternalServerException that reveals nothing', async () => {
    const res = await call(makeGetRoom(failingDeps(() => new Error('connect ECONNREFUSED 10.0.0.1:8000 secret-ish detail'))));
    expect(res.statusCode).toBe(500);
    expect(res.headers?.['x-amzn-ErrorType']).toBe('InternalServerException');
    expect(JSON.parse(res.body)).toEqual({ message: 'An internal error occurred' });
  });

  test.each([
    ['not JSON', '{"identifier":'],
    ['an array', '[]'],
    ['a string', '"x"'],
  ])('a body that is %s is a 400 ValidationException with reason OTHER', async (_, body) => {
    const res = await call(makeGetRoom(failingDeps(() => new Error('unreached'))), body);
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['x-amzn-ErrorType']).toBe('ValidationException');
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'OTHER', message: expect.any(String) });
  });

  test('an absent body is an empty request: the required member is reported', async () => {
    const res = await call(makeGetRoom(failingDeps(() => new Error('unreached'))), null);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'FIELD_VALIDATION_FAILED', fieldList: [{ name: 'identifier' }] });
  });
});

/**
 * The official SDK, with its HTTP layer replaced by a direct call of the handler: proves the SDK
 * raises the right classes for errors dynalite cannot produce (throttling, faults, conflicts, quota).
 */
function sdkOver(handler: ReturnType<typeof makeGetRoom>): IvschatClient {
  return new IvschatClient({
    region: 'us-east-1',
    endpoint: 'http://in-process',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { path: string; body?: string }) => {
        const res = (await handler(restEvent({ path: request.path, body: request.body ?? null }), lambdaContext)) as APIGatewayProxyResult;
        const headers = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
        return { response: { statusCode: res.statusCode, headers, body: Readable.from([Buffer.from(res.body)]) } };
      },
    } as never,
  });
}

describe('the SDK raises the modelled classes', () => {
  test.each([
    ['ThrottlingException', () => new ThrottlingException('slow down', 'abcdEFGH1234', 'ROOM', 5), SdkThrottling, 429],
    ['InternalServerException', () => new TypeError('boom'), SdkInternal, 500],
    ['ConflictException', () => new ConflictException('taken', 'abcdEFGH1234', 'ROOM'), SdkConflict, 409],
  ])('%s', async (_, error, SdkClass, status) => {
    const client = sdkOver(makeGetRoom(failingDeps(error)));
    const err = await client.send(new GetRoomCommand({ identifier: ARN })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkClass);
    expect((err as { $metadata: { httpStatusCode: number; requestId: string } }).$metadata).toMatchObject({
      httpStatusCode: status,
      requestId: 'req-1',
    });
  });

  test('ServiceQuotaExceededException carries its limit', async () => {
    const client = sdkOver(makeCreateRoom(failingDeps(() => new ServiceQuotaExceededException('full', 'abcdEFGH1234', 'ROOM', 3))));
    const err = await client.send(new CreateRoomCommand({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkQuota);
    expect(err).toMatchObject({ limit: 3, resourceType: 'ROOM', $metadata: { httpStatusCode: 402 } });
  });
});

describe('CORS headers (a stack deployed with corsAllowOrigin)', () => {
  const ORIGIN = 'https://console.example.com';

  /** GetRoom's handler built in a fresh module registry with `origin` in the environment, as a cold start reads it. */
  function getRoomWithOrigin(origin: string | undefined): ReturnType<typeof makeGetRoom> {
    const saved = process.env[ENV.corsAllowOrigin];
    if (origin === undefined) delete process.env[ENV.corsAllowOrigin];
    else process.env[ENV.corsAllowOrigin] = origin;
    try {
      let handler: ReturnType<typeof makeGetRoom> | undefined;
      jest.isolateModules(() => {
        const fresh = require('../../../lambdas/control-plane/get-room') as { makeHandler: typeof makeGetRoom };
        const deps = failingDeps(() => new Error('unreached'));
        deps.rooms.get = async () => ({
          id: 'abcdEFGH1234',
          arn: ARN,
          name: 'lobby',
          createTime: '2024-01-01T00:00:00.000Z',
          updateTime: '2024-01-01T00:00:00.000Z',
          maximumMessageRatePerSecond: 10,
          maximumMessageLength: 500,
          loggingConfigurationIdentifiers: [],
          tags: {},
        });
        handler = fresh.makeHandler(deps);
      });
      return handler as ReturnType<typeof makeGetRoom>;
    } finally {
      if (saved === undefined) delete process.env[ENV.corsAllowOrigin];
      else process.env[ENV.corsAllowOrigin] = saved;
    }
  }

  test('with an origin configured, answers and errors let a page on it read them (error type and request id included)', async () => {
    const handler = getRoomWithOrigin(ORIGIN);
    const cors = {
      'access-control-allow-origin': ORIGIN,
      'access-control-expose-headers': 'x-amzn-ErrorType,x-amzn-RequestId',
      vary: 'Origin',
    };
    const found = await call(handler);
    expect([found.statusCode, JSON.parse(found.body).name]).toEqual([200, 'lobby']);
    expect(found.headers).toEqual({ 'content-type': 'application/json', 'x-amzn-RequestId': 'req-1', ...cors });
    const refused = await call(handler, '[]');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers).toEqual({
      'content-type': 'application/json',
      'x-amzn-RequestId': 'req-1',
      'x-amzn-ErrorType': 'ValidationException',
      ...cors,
    });
  });

  test('* is the same for every origin, so no Vary; unset, no CORS header at all', async () => {
    const any = await call(getRoomWithOrigin('*'));
    expect(any.headers?.['access-control-allow-origin']).toBe('*');
    expect(any.headers).not.toHaveProperty('vary');
    const none = await call(getRoomWithOrigin(undefined));
    expect(Object.keys(none.headers ?? {}).filter((name) => /^access-control|^vary$/i.test(name))).toEqual([]);
  });

  test('a value that is not * or an origin fails when the handler is built, naming the variable', () => {
    for (const bad of ['console.example.com', 'https://console.example.com/', "https://x.example.com'"]) {
      expect(() => getRoomWithOrigin(bad)).toThrow(ENV.corsAllowOrigin);
    }
    expect(readCorsAllowOrigin({ [ENV.corsAllowOrigin]: '' })).toBeUndefined();
    expect(readCorsAllowOrigin({ [ENV.corsAllowOrigin]: 'http://127.0.0.1:8787' })).toBe('http://127.0.0.1:8787');
  });
});
