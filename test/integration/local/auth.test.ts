import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AccessDeniedException,
  CreateRoomCommand,
  DeleteRoomCommand,
  GetRoomCommand,
  IvschatClient,
  IvschatClientConfig,
  IvschatServiceException,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { REQUEST_ID } from '../../fixtures/aws';
import { InProcessStack, ivschat, startInProcess, useLocalStack } from '../../helpers/local-stack';
import { RawResponse, json, rawRequest, signHeaders, signedPost, signedRequest } from '../../helpers/raw-http';

const run = promisify(execFile);
type Middleware = Parameters<IvschatClient['middlewareStack']['addRelativeTo']>[0];
const JSON_HEADERS = { 'content-type': 'application/json' };
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** The shape of every gateway-level refusal: status, error type header, message, request id. */
function expectAwsError(res: RawResponse, status: number, type: string, message: string | RegExp) {
  expect({ status: res.status, type: res.headers['x-amzn-errortype'] }).toEqual({ status, type });
  const body = json(res);
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
  expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
}

describe('default principal (test/test)', () => {
  const { stack, client } = useLocalStack();

  describe('SigV4 verification', () => {
    test('an unsigned request is refused as API Gateway refuses it: 403 MissingAuthenticationTokenException', async () => {
      const res = await rawRequest(stack.apiUrl, { path: '/ListRooms', headers: JSON_HEADERS, body: '{}' });
      expectAwsError(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    });

    test.each([
      ['POST', '/NoSuchOperation'],
      ['GET', '/ListRooms'],
      ['POST', '/ListRooms/extra'],
      ['POST', '/tags'],
      ['PUT', '/tags/arn%3Aaws%3Aivschat%3Aus-east-1%3A000000000000%3Aroom%2FabcdEFGH1234'],
      ['POST', '/'],
    ])('an unknown route (%s %s) answers the same 403, signed or not', async (method, path) => {
      const unsigned = await rawRequest(stack.apiUrl, { method, path, headers: JSON_HEADERS, body: '{}' });
      expectAwsError(unsigned, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      const signed = await signedRequest(stack.apiUrl, { method, path, headers: JSON_HEADERS, body: '{}' });
      expectAwsError(signed, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    });

    test('an unknown access key is UnrecognizedClientException', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', {
        credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'test' },
      });
      expectAwsError(res, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    });

    test('a wrong secret is InvalidSignatureException', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', { credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
      expectAwsError(res, 403, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    });

    test('a body changed after signing is InvalidSignatureException and creates nothing', async () => {
      const req = { method: 'POST', path: '/CreateRoom', headers: JSON_HEADERS, body: '{"name":"signed"}' };
      const headers = await signHeaders(stack.apiUrl, req);
      const res = await rawRequest(stack.apiUrl, { ...req, headers, body: '{"name":"tampered"}' });
      expectAwsError(res, 403, 'InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.");

      // Same again without the hash header the SDK adds (signed over the body, as curl does): the
      // signature itself must not match.
      const noHashHeader = await signHeaders(stack.apiUrl, req, { withoutHashHeader: true });
      const res2 = await rawRequest(stack.apiUrl, { ...req, headers: noHashHeader, body: '{"name":"tampered"}' });
      expectAwsError(res2, 403, 'InvalidSignatureException', SIGNATURE_MISMATCH);

      for (const name of ['signed', 'tampered']) expect((await client.send(new ListRoomsCommand({ name }))).rooms).toEqual([]);
    });

    test('a request signed 6 minutes ago is InvalidSignatureException "Signature expired"', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', { signingDate: new Date(Date.now() - 6 * 60 * 1000) });
      expectAwsError(
        res,
        403,
        'InvalidSignatureException',
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
      );
    });

    test('a request signed 4 minutes ago is still accepted (the window is 5 minutes)', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', { signingDate: new Date(Date.now() - 4 * 60 * 1000) });
      expect(res.status).toBe(200);
    });

    test('a signature scoped to another region is refused', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', { region: 'eu-west-1' });
      expectAwsError(res, 403, 'InvalidSignatureException', 'Credential should be scoped to a valid region.');
    });

    test('a signature scoped to another service is refused', async () => {
      const res = await signedPost(stack.apiUrl, 'ListRooms', '{}', { service: 'ivs' });
      expectAwsError(res, 403, 'InvalidSignatureException', "Credential should be scoped to correct service: 'ivschat'.");
    });

    test('a signature for service execute-api is accepted, as a deployed API Gateway accepts it', async () => {
      const created = await client.send(new CreateRoomCommand({ name: 'viaExecuteApi' }));
      const res = await signedPost(stack.apiUrl, 'GetRoom', JSON.stringify({ identifier: created.arn }), { service: 'execute-api' });
      expect(res.status).toBe(200);
      expect(json(res)).toMatchObject({ id: created.id, arn: created.arn, name: 'viaExecuteApi' });
      expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
    });

    // Two ways to make @aws-sdk/client-ivschat 3.952.0 sign for execute-api: the resolved-config
    // `signingName` (works at runtime, absent from the client's types) and a custom auth scheme provider.
    const executeApiConfigs: [string, Record<string, unknown>][] = [
      ['signingName', { signingName: 'execute-api' }],
      [
        'httpAuthSchemeProvider',
        {
          httpAuthSchemeProvider: (params: { region: string }) => [
            {
              schemeId: 'aws.auth#sigv4',
              signingProperties: { name: 'execute-api', signingName: 'execute-api', region: params.region },
              propertiesExtractor: (config: unknown, context: unknown) => ({ signingProperties: { config, context } }),
            },
          ],
        },
      ],
    ];
    test.each(executeApiConfigs)('the SDK client signing as execute-api (%s) works', async (_label, extra) => {
      const sdk = new IvschatClient({
        endpoint: stack.apiUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
        ...extra,
      } as IvschatClientConfig);
      // Records the scope actually signed, so this test fails if the option is silently ignored.
      const scopes: string[] = [];
      type Args = { request: { headers: Record<string, string> } };
      const recordScope = ((next: (args: Args) => Promise<unknown>) => async (args: Args) => {
        const auth = args.request.headers.authorization ?? '';
        scopes.push(/Credential=[^/]+\/\d{8}\/([^,]+)/.exec(auth)?.[1] ?? auth);
        return next(args);
      }) as unknown as Middleware;
      sdk.middlewareStack.addRelativeTo(recordScope, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'recordScope' });
      try {
        const created = await sdk.send(new CreateRoomCommand({ name: 'sdkExecuteApi' }));
        const got = await sdk.send(new GetRoomCommand({ identifier: created.arn }));
        expect(got.name).toBe('sdkExecuteApi');
        expect(scopes).toEqual(['us-east-1/execute-api/aws4_request', 'us-east-1/execute-api/aws4_request']);
      } finally {
        sdk.destroy();
      }
    });

    test('every response, success or error, carries its own x-amzn-RequestId', async () => {
      const room = await client.send(new CreateRoomCommand({}));
      const arnPath = `/tags/${encodeURIComponent(room.arn as string)}`;
      const responses: Record<string, RawResponse> = {
        ok200: await signedPost(stack.apiUrl, 'GetRoom', JSON.stringify({ identifier: room.arn })),
        tags200: await signedRequest(stack.apiUrl, { method: 'GET', path: arnPath }),
        validation400: await signedPost(stack.apiUrl, 'CreateRoom', '{"name":"no spaces"}'),
        malformed400: await signedPost(stack.apiUrl, 'CreateRoom', '{'),
        notFound404: await signedPost(stack.apiUrl, 'GetRoom', '{"identifier":"arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234"}'),
        unsigned403: await rawRequest(stack.apiUrl, { path: '/ListRooms', body: '{}' }),
        unknownRoute403: await rawRequest(stack.apiUrl, { path: '/Nope', body: '{}' }),
        unknownKey403: await signedPost(stack.apiUrl, 'ListRooms', '{}', { credentials: { accessKeyId: 'nobody', secretAccessKey: 'x' } }),
        badSignature403: await signedPost(stack.apiUrl, 'ListRooms', '{}', { credentials: { accessKeyId: 'test', secretAccessKey: 'x' } }),
        incomplete403: await rawRequest(stack.apiUrl, {
          path: '/ListRooms',
          headers: { authorization: 'AWS4-HMAC-SHA256 garbage' },
          body: '{}',
        }),
        deleted204: await signedPost(stack.apiUrl, 'DeleteRoom', JSON.stringify({ identifier: room.arn })),
      };
      const statuses = Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]));
      expect(statuses).toEqual({
        ok200: 200,
        tags200: 200,
        validation400: 400,
        malformed400: 400,
        notFound404: 404,
        unsigned403: 403,
        unknownRoute403: 403,
        unknownKey403: 403,
        badSignature403: 403,
        incomplete403: 403,
        deleted204: 204,
      });
      const ids = Object.values(responses).map((r) => r.headers['x-amzn-requestid']);
      for (const id of ids) expect(id).toMatch(REQUEST_ID);
      expect(new Set(ids).size).toBe(ids.length);
      expect(responses.deleted204?.body).toBe('');
    });
  });

  describe('malformed and oversized requests', () => {
    test('a signed body that is not JSON is a 400 ValidationException with a clear message', async () => {
      const res = await signedPost(stack.apiUrl, 'CreateRoom', '{"name": "x",');
      expectAwsError(res, 400, 'ValidationException', /^Could not parse request body into json: /);
      expect(json(res).reason).toBe('OTHER');
    });

    test.each(['[]', '"x"', '5', 'null', 'true'])('a JSON body that is not an object (%s) is a 400', async (body) => {
      const res = await signedPost(stack.apiUrl, 'CreateRoom', body);
      expectAwsError(res, 400, 'ValidationException', 'The request body must be a JSON object');
    });

    test('members of the wrong type are a 400 naming each member', async () => {
      const res = await signedPost(
        stack.apiUrl,
        'CreateRoom',
        JSON.stringify({
          name: 5,
          maximumMessageLength: '500',
          maximumMessageRatePerSecond: 1.5,
          tags: ['a'],
          loggingConfigurationIdentifiers: 'x',
        }),
      );
      expect(res.status).toBe(400);
      expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
      const body = json(res);
      expect(body.reason).toBe('FIELD_VALIDATION_FAILED');
      expect(body.fieldList).toEqual([
        { name: 'name', message: 'Member must be a string' },
        { name: 'maximumMessageRatePerSecond', message: 'Member must be an integer' },
        { name: 'maximumMessageLength', message: 'Member must be an integer' },
        { name: 'tags', message: 'Member must be a map of strings to strings' },
        { name: 'loggingConfigurationIdentifiers', message: 'Member must be a list' },
      ]);
    });

    test('wrong types on GetRoom and TagResource are 400 too, never 5xx', async () => {
      const get = await signedPost(stack.apiUrl, 'GetRoom', '{"identifier":{"arn":"x"}}');
      expect({ status: get.status, body: json(get) }).toEqual({
        status: 400,
        body: {
          message: 'Validation failed: identifier: Member must be a string',
          reason: 'FIELD_VALIDATION_FAILED',
          fieldList: [{ name: 'identifier', message: 'Member must be a string' }],
        },
      });
      const room = await client.send(new CreateRoomCommand({}));
      const tag = await signedRequest(stack.apiUrl, {
        method: 'POST',
        path: `/tags/${encodeURIComponent(room.arn as string)}`,
        headers: JSON_HEADERS,
        body: '{"tags":{"k":7}}',
      });
      expect(tag.status).toBe(400);
      expect(json(tag).fieldList).toEqual([{ name: 'tags.k', message: 'Member must be a string' }]);
    });

    test('a 7 MB body is refused with 413, and the server goes on serving', async () => {
      const big = Buffer.alloc(7 * 1024 * 1024, 'a');
      const res = await signedPost(stack.apiUrl, 'CreateRoom', big);
      expect(res.status).toBe(413);
      expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
      expect(res.headers['x-amzn-requestid']).toMatch(REQUEST_ID);
      const next = await client.send(new ListRoomsCommand({ maxResults: 1 }));
      expect(next.$metadata.httpStatusCode).toBe(200);
    });

    test('the SDK raises ValidationException for bad input, with reason and fieldList', async () => {
      const err = await client.send(new CreateRoomCommand({ name: 'not valid!', maximumMessageLength: 501 })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationException);
      const ve = err as ValidationException;
      expect(ve.$metadata.httpStatusCode).toBe(400);
      expect(ve.$metadata.requestId).toMatch(REQUEST_ID);
      expect(ve.reason).toBe('FIELD_VALIDATION_FAILED');
      expect(ve.fieldList).toEqual([
        { name: 'name', message: 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]*$' },
        { name: 'maximumMessageLength', message: 'Member must have value less than or equal to 500' },
      ]);
    });

    test('the SDK raises ResourceNotFoundException for an unknown room, with resourceId and resourceType', async () => {
      const arn = 'arn:aws:ivschat:us-east-1:000000000000:room/zzzzZZZZ9999';
      const err = await client.send(new GetRoomCommand({ identifier: arn })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      const nf = err as ResourceNotFoundException;
      expect({ status: nf.$metadata.httpStatusCode, resourceId: nf.resourceId, resourceType: nf.resourceType }).toEqual({
        status: 404,
        resourceId: 'zzzzZZZZ9999',
        resourceType: 'ROOM',
      });
    });
  });

  describe('curl --aws-sigv4', () => {
    const curl = (sigv4: string, user: string, body = '{}') =>
      run('curl', [
        '-sS',
        '--max-time',
        '10',
        '-w',
        '\n%{http_code}',
        '--aws-sigv4',
        sigv4,
        '--user',
        user,
        '-X',
        'POST',
        `${stack.apiUrl}/ListRooms`,
        '-d',
        body,
        '-H',
        'content-type: application/json',
      ]);

    test('signed as ivschat, lists rooms', async () => {
      await client.send(new CreateRoomCommand({ name: 'curlSeen' }));
      const { stdout } = await curl('aws:amz:us-east-1:ivschat', 'test:test', '{"name":"curlSeen"}');
      const [body, status] = stdout.split('\n');
      expect(status).toBe('200');
      const rooms = (JSON.parse(body ?? '') as { rooms: { name: string }[] }).rooms;
      expect(rooms.map((r) => r.name)).toEqual(['curlSeen']);
    });

    test('signed as execute-api, lists rooms', async () => {
      const { stdout } = await curl('aws:amz:us-east-1:execute-api', 'test:test');
      const [body, status] = stdout.split('\n');
      expect(status).toBe('200');
      expect(Array.isArray((JSON.parse(body ?? '') as { rooms: unknown }).rooms)).toBe(true);
    });

    test('with a wrong secret, is refused', async () => {
      const { stdout } = await curl('aws:amz:us-east-1:ivschat', 'test:nope');
      const [body, status] = stdout.split('\n');
      expect(status).toBe('403');
      expect(JSON.parse(body ?? '')).toEqual({ message: SIGNATURE_MISMATCH });
    });
  });
});

describe('principals file with a restricted principal', () => {
  const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret-123' };
  const READER = { accessKeyId: 'AKIDREADER', secretAccessKey: 'reader-secret-456' };
  let dir: string;
  let stack: InProcessStack;
  let admin: IvschatClient;
  let reader: IvschatClient;
  let roomArn: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ivschat-principals-'));
    const file = join(dir, 'principals.json');
    writeFileSync(
      file,
      JSON.stringify({
        principals: [
          { ...ADMIN, allow: ['ivschat:*'] },
          { ...READER, allow: ['ivschat:Get*', 'ivschat:ListRooms'] },
        ],
      }),
    );
    stack = await startInProcess({ IVSCHAT_PRINCIPALS_FILE: file });
    admin = ivschat(stack.apiUrl, ADMIN);
    reader = ivschat(stack.apiUrl, READER);
    roomArn = (await admin.send(new CreateRoomCommand({ name: 'guarded', tags: { team: 'a' } }))).arn as string;
  });
  afterAll(async () => {
    admin?.destroy();
    reader?.destroy();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const denied = async (send: Promise<unknown>, action: string) => {
    const err = await send.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedException);
    const ad = err as AccessDeniedException;
    expect({ status: ad.$metadata.httpStatusCode, message: ad.message }).toEqual({
      status: 403,
      message: `User: arn:aws:iam::000000000000:user/AKIDREADER is not authorized to perform: ${action}`,
    });
    expect(ad.$metadata.requestId).toMatch(REQUEST_ID);
  };

  test('CreateRoom, DeleteRoom, TagResource and ListTagsForResource are AccessDeniedException, and change nothing', async () => {
    const before = await admin.send(new ListRoomsCommand({}));
    await denied(reader.send(new CreateRoomCommand({ name: 'sneaky' })), 'ivschat:CreateRoom');
    await denied(reader.send(new DeleteRoomCommand({ identifier: roomArn })), 'ivschat:DeleteRoom');
    await denied(reader.send(new TagResourceCommand({ resourceArn: roomArn, tags: { team: 'b' } })), 'ivschat:TagResource');
    await denied(reader.send(new ListTagsForResourceCommand({ resourceArn: roomArn })), 'ivschat:ListTagsForResource');

    const after = await admin.send(new ListRoomsCommand({}));
    expect(after.rooms).toEqual(before.rooms);
    const tags = await admin.send(new ListTagsForResourceCommand({ resourceArn: roomArn }));
    expect(tags.tags).toEqual({ team: 'a' });
  });

  test('GetRoom and ListRooms succeed', async () => {
    const got = await reader.send(new GetRoomCommand({ identifier: roomArn }));
    expect({ arn: got.arn, name: got.name }).toEqual({ arn: roomArn, name: 'guarded' });
    const list = await reader.send(new ListRoomsCommand({}));
    expect(list.rooms?.map((r) => r.arn)).toContain(roomArn);
  });

  test('authorization follows the action, not the route: a denied caller with a bad body is still denied', async () => {
    const res = await signedPost(stack.apiUrl, 'CreateRoom', '{not json', { credentials: READER });
    expectAwsError(
      res,
      403,
      'AccessDeniedException',
      'User: arn:aws:iam::000000000000:user/AKIDREADER is not authorized to perform: ivschat:CreateRoom',
    );
  });

  test('the default test/test principal is not accepted when a principals file is given', async () => {
    const fallback = ivschat(stack.apiUrl);
    try {
      const err = await fallback.send(new ListRoomsCommand({})).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IvschatServiceException);
      const e = err as IvschatServiceException;
      expect({ name: e.name, status: e.$metadata.httpStatusCode, message: e.message }).toEqual({
        name: 'UnrecognizedClientException',
        status: 403,
        message: 'The security token included in the request is invalid.',
      });
    } finally {
      fallback.destroy();
    }
  });
});
