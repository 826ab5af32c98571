import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { ClientRequest, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateRoomCommand,
  CreateRoomCommandOutput,
  DeleteRoomCommand,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  RoomSummary,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { ReadyInfo, parseReadyLine } from '../../../lib/local/ready';
import { REQUEST_ID } from '../../fixtures/aws';
import { LocalProcess, ivschat, runToExit, startLocal } from '../../helpers/local-stack';
import { rawRequest, signHeaders, signedPost } from '../../helpers/raw-http';

const ROOT = resolve(__dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'ivschat-lifecycle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
const freshDir = (): string => {
  const dir = join(scratch, `data-${++dirs}`);
  mkdirSync(dir);
  return dir;
};

/** Every room (all pages), in listing order. */
async function listAll(client: IvschatClient): Promise<RoomSummary[]> {
  const rooms: RoomSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListRoomsCommand({ maxResults: 2, nextToken }));
    rooms.push(...(page.rooms ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return rooms;
}

/** What a restart must keep: the listing with its order, each room in full, and each room's tags. */
async function snapshot(client: IvschatClient) {
  const listing = await listAll(client);
  const rooms = await Promise.all(
    listing.map(async (r) => {
      const { $metadata: _m, ...room } = await client.send(new GetRoomCommand({ identifier: r.arn }));
      const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: r.arn }));
      return { room, tags };
    }),
  );
  return { listing, rooms };
}

describe('persistence with IVSCHAT_DATA_DIR', () => {
  /** Creates, updates, tags and deletes, so the snapshot covers every kind of write. */
  async function populate(client: IvschatClient): Promise<void> {
    const made: CreateRoomCommandOutput[] = [];
    for (const [i, name] of ['alpha', 'beta', 'gamma', 'delta'].entries()) {
      made.push(await client.send(new CreateRoomCommand({ name, maximumMessageLength: 100 + i, tags: { n: String(i) } })));
    }
    const [alpha, beta, gamma, delta] = made.map((r) => r.arn as string) as [string, string, string, string];
    await client.send(new UpdateRoomCommand({ identifier: alpha, name: 'alpha2', maximumMessageRatePerSecond: 42 }));
    await client.send(new TagResourceCommand({ resourceArn: beta, tags: { team: 'blue', 'key with space': 'v/1' } }));
    await client.send(new UntagResourceCommand({ resourceArn: gamma, tagKeys: ['n'] }));
    await client.send(new DeleteRoomCommand({ identifier: delta }));
  }

  test.each(['SIGTERM', 'SIGKILL'] as const)('rooms, tags and ListRooms order survive a restart after %s', async (signal) => {
    const dataDir = freshDir();
    let stack: LocalProcess | undefined = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
    try {
      let client = ivschat(stack.apiUrl);
      await populate(client);
      const before = await snapshot(client);
      client.destroy();
      // UpdateRoom moves a room to the front; tag changes do not touch updateTime.
      expect(before.listing.map((r) => r.name)).toEqual(['alpha2', 'gamma', 'beta']);
      expect(before.rooms.map((r) => r.tags)).toEqual([{ n: '0' }, {}, { n: '1', team: 'blue', 'key with space': 'v/1' }]);

      const code = await stack.stop(signal);
      expect(code).toBe(signal === 'SIGTERM' ? 0 : null);
      expect(stack.process.signalCode).toBe(signal === 'SIGTERM' ? null : 'SIGKILL');

      stack = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
      client = ivschat(stack.apiUrl);
      expect(await snapshot(client)).toEqual(before);
      // The restarted stack goes on writing to the same table: a new room lists first.
      const fresh = await client.send(new CreateRoomCommand({ name: 'afterRestart' }));
      expect((await listAll(client)).map((r) => r.id)).toEqual([fresh.id, ...before.listing.map((r) => r.id)]);
      client.destroy();
    } finally {
      await stack?.stop('SIGKILL');
    }
  });

  test('a second stack on the same data dir exits with a one-line reason', async () => {
    const dataDir = freshDir();
    const first = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
    try {
      const second = await runToExit({ IVSCHAT_DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(`ivschat-local: data dir ${dataDir} is in use by another process\n`);
      // The first one is unharmed.
      const client = ivschat(first.apiUrl);
      await expect(client.send(new ListRoomsCommand({}))).resolves.toMatchObject({ rooms: [] });
      client.destroy();
    } finally {
      await first.stop();
    }
  });
});

describe('graceful stop', () => {
  test('requests in flight when SIGTERM arrives finish, new connections are refused, and the data is on disk', async () => {
    const dataDir = freshDir();
    const stack = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
    const names = Array.from({ length: 20 }, (_, i) => `inflight${String(i).padStart(2, '0')}`);
    const inFlight: HalfSent[] = [];
    let restarted: LocalProcess | undefined;
    try {
      // Signed CreateRooms with half their body sent: the server holds them, waiting for the rest.
      inFlight.push(...(await Promise.all(names.map((name) => halfSentCreateRoom(stack.apiUrl, name)))));
      await new Promise((r) => setTimeout(r, 300));

      stack.process.kill('SIGTERM');
      await until(() => stack.output().includes('SIGTERM, finishing in-flight requests'));
      // The listener closes while the 20 are still open; a newcomer is refused, not left hanging.
      await until(async () => {
        const outcome = await rawRequest(stack.apiUrl, { path: '/ListRooms', body: '{}' }).then(
          () => 'served',
          (e: NodeJS.ErrnoException) => e.code,
        );
        if (outcome !== 'ECONNREFUSED') await new Promise((r) => setTimeout(r, 100));
        return outcome === 'ECONNREFUSED';
      });
      expect(stack.process.exitCode).toBeNull();

      for (const r of inFlight) r.finish();
      const outcomes = await Promise.all(inFlight.map((r) => r.response));
      expect(outcomes.map((o) => o.status)).toEqual(names.map(() => 200));
      expect(outcomes.map((o) => (JSON.parse(o.body) as { name: string }).name)).toEqual(names);
      // Keep-alive clients are told to go away rather than finding a dead socket later.
      expect(outcomes.map((o) => o.connection)).toEqual(names.map(() => 'close'));
      expect(await stack.stop()).toBe(0);

      restarted = await startLocal({ IVSCHAT_DATA_DIR: dataDir });
      const client = ivschat(restarted.apiUrl);
      const listed = (await listAll(client)).map((r) => r.name).sort();
      client.destroy();
      expect(listed).toEqual(names);
    } finally {
      for (const r of inFlight) r.abort();
      await stack.stop('SIGKILL');
      await restarted?.stop();
    }
  });

  test('a burst of SDK CreateRoom calls cut by SIGTERM: every call that reached the server completes', async () => {
    const stack = await startLocal();
    const client = ivschat(stack.apiUrl);
    try {
      const calls = Array.from({ length: 20 }, (_, i) => client.send(new CreateRoomCommand({ name: `burst${i}` })));
      // Signal as soon as the first answer is back, with the rest of the burst on the wire.
      await Promise.race(calls);
      stack.process.kill('SIGTERM');
      const settled = await Promise.allSettled(calls);
      const failures = settled.flatMap((s) =>
        s.status === 'rejected' ? [`${(s.reason as NodeJS.ErrnoException).code ?? ''} ${String(s.reason)}`] : [],
      );
      // A call either completed or was never accepted (connection refused); none was cut off.
      expect(failures.filter((failure) => !failure.includes('ECONNREFUSED'))).toEqual([]);
      const rooms = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      expect(rooms.length).toBeGreaterThanOrEqual(1);
      for (const room of rooms) expect(room.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(REQUEST_ID) });
      expect(await stack.stop()).toBe(0);
    } finally {
      client.destroy();
      await stack.stop('SIGKILL');
    }
  });
});

test('npm start serves within 15 s and stops on SIGTERM', async () => {
  // Its own process group, so that whatever npm leaves behind can be cleaned up below.
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, IVSCHAT_API_PORT: '0', IVSCHAT_WS_PORT: '0', IVSCHAT_DATA_DIR: undefined, IVSCHAT_PRINCIPALS_FILE: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    npm.once('exit', (code, signal) => r({ code, signal })),
  );
  try {
    await until(() => parseReadyLine(output) !== undefined, 15_000);
    const { apiUrl } = parseReadyLine(output) as ReadyInfo;
    const client = ivschat(apiUrl);
    await expect(client.send(new ListRoomsCommand({}))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    client.destroy();

    process.kill(npm.pid as number, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('npm still running after 10 s'), 10_000)))]);
    clearTimeout(timer);
    // What a process manager sees: npm exits cleanly, and nothing is left serving the port.
    const apiAfterwards = await rawRequest(apiUrl, { path: '/ListRooms', body: '{}' }).then(
      (res) => `still answering (${res.status})`,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect({ exit, apiAfterwards }).toEqual({ exit: { code: 0, signal: null }, apiAfterwards: 'ECONNREFUSED' });
    expect(output).toContain('ivschat-local: SIGTERM, finishing in-flight requests');
  } finally {
    try {
      process.kill(-(npm.pid as number), 'SIGKILL');
    } catch {
      // The whole group is gone already.
    }
  }
});

test('request logs: one JSON line per request with operation, status, latencyMs and requestId; no secret, signature or Authorization value', async () => {
  const secret = 'lOgS-sEcReT-0123456789abcdef';
  const creds = { accessKeyId: 'AKIDLOGS', secretAccessKey: secret };
  const file = join(scratch, 'log-principals.json');
  writeFileSync(file, JSON.stringify({ principals: [{ ...creds, allow: ['ivschat:*'] }] }));
  const stack = await startLocal({ IVSCHAT_PRINCIPALS_FILE: file });
  const client = ivschat(stack.apiUrl, creds);
  try {
    const expected: { operation: string; status: number; requestId: string }[] = [];
    const ok = async <T extends { $metadata: { requestId?: string } }>(operation: string, status: number, call: Promise<T>): Promise<T> => {
      const out = await call;
      expected.push({ operation, status, requestId: out.$metadata.requestId as string });
      return out;
    };
    const failed = async (operation: string, status: number, call: Promise<unknown>) => {
      const err = (await call.then(
        () => undefined,
        (e: unknown) => e,
      )) as { $metadata?: { requestId?: string } } | undefined;
      expect(err?.$metadata?.requestId).toMatch(REQUEST_ID);
      expected.push({ operation, status, requestId: err?.$metadata?.requestId as string });
    };

    const room = await ok('CreateRoom', 200, client.send(new CreateRoomCommand({ name: 'logged' })));
    await ok('GetRoom', 200, client.send(new GetRoomCommand({ identifier: room.arn })));
    await failed('GetRoom', 404, client.send(new GetRoomCommand({ identifier: `${room.arn?.slice(0, -12)}zzzzzzzzzzzz` })));
    await failed('CreateRoom', 400, client.send(new CreateRoomCommand({ name: 'bad name' })));
    await ok('TagResource', 200, client.send(new TagResourceCommand({ resourceArn: room.arn, tags: { a: 'b' } })));
    await ok('ListTagsForResource', 200, client.send(new ListTagsForResourceCommand({ resourceArn: room.arn })));
    await ok('DeleteRoom', 204, client.send(new DeleteRoomCommand({ identifier: room.arn })));
    // Raw requests whose Authorization values are known, one good and one with a bad body.
    const good = await signHeaders(
      stack.apiUrl,
      { method: 'POST', path: '/ListRooms', headers: { 'content-type': 'application/json' }, body: '{}' },
      { credentials: creds },
    );
    const listed = await rawRequest(stack.apiUrl, { path: '/ListRooms', headers: good, body: '{}' });
    expected.push({ operation: 'ListRooms', status: 200, requestId: listed.headers['x-amzn-requestid'] as string });
    const broken = await signedPost(stack.apiUrl, 'UpdateRoom', '{"identifier":', { credentials: creds });
    expected.push({ operation: 'UpdateRoom', status: 400, requestId: broken.headers['x-amzn-requestid'] as string });
    // Refused before any handler runs: must not leak anything either.
    const forged = await signHeaders(
      stack.apiUrl,
      { method: 'POST', path: '/ListRooms', headers: { 'content-type': 'application/json' }, body: '{}' },
      { credentials: { ...creds, secretAccessKey: 'wrong' } },
    );
    const refused = await rawRequest(stack.apiUrl, { path: '/ListRooms', headers: forged, body: '{}' });
    expect(refused.status).toBe(403);

    expect(await stack.stop()).toBe(0);
    const output = stack.output();
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'request');
    expect(lines.map(({ operation, status, requestId }) => ({ operation, status, requestId }))).toEqual(expected);
    const refusals = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'request refused by the gateway');
    expect(refusals).toEqual([
      expect.objectContaining({
        operation: 'ListRooms',
        status: 403,
        errorType: 'InvalidSignatureException',
        requestId: refused.headers['x-amzn-requestid'],
      }),
    ]);
    for (const line of lines) {
      expect(typeof line.latencyMs).toBe('number');
      expect(line.latencyMs as number).toBeGreaterThanOrEqual(0);
    }

    for (const leak of [
      secret,
      'Signature=',
      'AWS4-HMAC-SHA256',
      'Credential=',
      good.authorization,
      forged.authorization,
      good['x-amz-content-sha256'],
    ]) {
      expect(output).not.toContain(leak);
    }
  } finally {
    client.destroy();
    await stack.stop('SIGKILL');
  }
});

interface HalfSent {
  response: Promise<{ status: number; connection: string | undefined; body: string }>;
  finish(): void;
  abort(): void;
}

/** A signed CreateRoom whose headers and first bytes are sent; `finish()` sends the rest. */
async function halfSentCreateRoom(apiUrl: string, name: string): Promise<HalfSent> {
  const body = JSON.stringify({ name });
  const headers = await signHeaders(apiUrl, { method: 'POST', path: '/CreateRoom', headers: { 'content-type': 'application/json' }, body });
  const url = new URL(apiUrl);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; connection: string | undefined; body: string }>((resolvePromise) => {
    req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/CreateRoom',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
      },
    );
    // A cut connection shows up as a non-200 outcome, not as an unhandled error.
    req.on('error', (err) => resolvePromise({ status: 0, connection: undefined, body: err.message }));
  });
  req.write(body.slice(0, 5));
  await new Promise<void>((r) =>
    req.socket?.connecting === false ? r() : req.once('socket', (s) => (s.connecting ? s.once('connect', () => r()) : r())),
  );
  return { response, finish: () => req.end(body.slice(5)), abort: () => req.destroy() };
}

/** Polls until `check` holds, for at most `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
