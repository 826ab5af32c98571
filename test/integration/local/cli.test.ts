import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { principalsFile } from '../../fixtures/principals';
import { InProcessStack, startInProcess, useLocalStack } from '../../helpers/local-stack';

const { stack } = useLocalStack();
/**
 * A second stack: its WebSocket refuses the first one's chat tokens (other keys), as a wrong --ws
 * does, and its principal `rooms-only` may find and create rooms but not mint chat tokens.
 */
let other: InProcessStack;
let closedPort: number;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  const principals = principalsFile([
    { accessKeyId: 'test', secretAccessKey: 'test', allow: ['ivschat:*'] },
    { accessKeyId: 'rooms-only', secretAccessKey: 'rooms-secret', allow: ['ivschat:ListRooms', 'ivschat:CreateRoom'] },
  ]);
  [other, closedPort] = await Promise.all([startInProcess({ IVSCHAT_PRINCIPALS_FILE: principals }), freePort()]);
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await other?.stop();
});

/** A port nothing listens on (taken from the OS, then released). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
    server.once('error', rej);
  });
}

/** Runs `ivschat` (bin/ivschat.cjs, as `npx ivschat` does) and collects what it prints. */
function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [resolve(__dirname, '../../../bin/ivschat.cjs'), ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  running.push(child);
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    stderr += d.toString();
  });
  const waitFor = (pattern: RegExp, ms = 10_000) =>
    new Promise<RegExpExecArray>((res, rej) => {
      const started = Date.now();
      const tick = () => {
        const m = pattern.exec(out);
        if (m) return res(m);
        if (Date.now() - started > ms) return rej(new Error(`timed out waiting for ${pattern} in:\n${out}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    waitFor,
    exited,
    output: () => out,
    stderrLines: () => stderr.split('\n').filter(Boolean),
    say: (line: string) => child.stdin.write(`${line}\n`),
  };
}

/** `ivschat chat` in the room of the README's walk-through. */
const chat = (user: string, extra: string[] = [], env: Record<string, string | undefined> = {}) =>
  cli(['chat', '--room', 'walkthrough', '--user', user, '--endpoint', stack.apiUrl, '--ws', stack.wsUrl, ...extra], env);

test('two terminals chat through the CLI; a moderator deletes a message and kicks a user', async () => {
  const ann = chat('ann', ['--moderator']);
  await ann.waitFor(/\* joined walkthrough as ann/);
  const bob = chat('bob');
  await bob.waitFor(/\* joined walkthrough as bob/);

  bob.say('hello from bob');
  const [, id] = await ann.waitFor(/\[bob\] hello from bob {2}\(([A-Za-z0-9]{12})\)/);
  await bob.waitFor(/\[bob\] hello from bob/);

  ann.say(`/delete ${id} off-topic`);
  await bob.waitFor(new RegExp(`\\* message ${id} deleted: off-topic`));

  bob.say(`/kick ann`);
  await bob.waitFor(/! refused \(403\): The chat token does not grant DISCONNECT_USER\n/);

  ann.say('/kick bob be nice');
  await ann.waitFor(/\* bob was disconnected: be nice/);
  await bob.waitFor(/\* disconnected \(serverDisconnect\)/);
  expect(await bob.exited).toBe(1);

  ann.say('/quit');
  await ann.waitFor(/\* disconnected \(clientDisconnect\)/);
  expect(await ann.exited).toBe(0);

  // Only the chat: no object dumps from the official client (`received error {…}`, its debug log).
  for (const who of [ann, bob]) {
    expect(who.output()).not.toMatch(/received error|Room \S+ |\{\s*$/m);
    expect(who.stderrLines()).toEqual(["* credentials: access key test, local mode's default test / test"]);
  }
});

test('an unreachable --ws is one line and exit code 1', async () => {
  const run = chat('carol', ['--ws', `ws://127.0.0.1:${closedPort}`]);
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()).toEqual([
    "* credentials: access key test, local mode's default test / test",
    `ivschat: cannot connect to the messaging WebSocket at ws://127.0.0.1:${closedPort}: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
  ]);
});

test('a WebSocket that refuses the token (401: another stack) is one line', async () => {
  const run = chat('dave', ['--ws', other.wsUrl]);
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()[1]).toBe(
    `ivschat: the messaging WebSocket at ${other.wsUrl} refused the chat token (401): is it the same stack as --endpoint?`,
  );
  expect(run.stderrLines()).toHaveLength(2);
});

test('an unreachable control plane is one line', async () => {
  const endpoint = `http://127.0.0.1:${closedPort}`;
  const run = cli(['chat', '--room', 'r', '--user', 'erin', '--endpoint', endpoint, '--ws', stack.wsUrl]);
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()[1]).toBe(
    `ivschat: cannot reach the control plane at ${endpoint} (ECONNREFUSED): is \`npm start\` running there?`,
  );
  expect(run.stderrLines()).toHaveLength(2);
});

test('a chat token the control plane refuses is one line', async () => {
  const run = cli(['chat', '--room', 'r', '--user', 'lena', '--endpoint', other.apiUrl, '--ws', other.wsUrl], {
    AWS_ACCESS_KEY_ID: 'rooms-only',
    AWS_SECRET_ACCESS_KEY: 'rooms-secret',
  });
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()).toHaveLength(2);
  expect(run.stderrLines()[1]).toMatch(/^ivschat: cannot get a chat token from the control plane: AccessDeniedException \(403\): \S.*$/);
});

test('keys from the environment are named, and an unknown key says where it came from', async () => {
  const run = chat('frank', [], { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEREALKEY', AWS_SECRET_ACCESS_KEY: 'real-secret' });
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()).toEqual([
    '* credentials: access key AKIAEXAMPLEREALKEY, from AWS_ACCESS_KEY_ID in the environment',
    'ivschat: UnrecognizedClientException (403): The security token included in the request is invalid; the credentials are ' +
      "from AWS_ACCESS_KEY_ID in the environment (local mode's default is test / test: unset AWS_ACCESS_KEY_ID, or pass --access-key-id)",
  ]);
});

test('--access-key-id and --secret-access-key win over the environment', async () => {
  const run = chat('grace', ['--access-key-id', 'test', '--secret-access-key', 'test'], {
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEREALKEY',
    AWS_SECRET_ACCESS_KEY: 'real-secret',
  });
  await run.waitFor(/\* joined walkthrough as grace/);
  expect(run.stderrLines()).toEqual(['* credentials: access key test, from --access-key-id']);
  run.say('/quit');
  expect(await run.exited).toBe(0);
});

test('half a key pair is one line', async () => {
  const run = chat('heidi', [], { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEREALKEY' });
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()).toEqual(['ivschat: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither']);
});

test.each([
  ['--ws', 'http://127.0.0.1:8788', '--ws must be a ws:// or wss:// URL, not "http://127.0.0.1:8788"'],
  ['--endpoint', 'localhost:8787', '--endpoint must be an http:// or https:// URL, not "localhost:8787"'],
])('%s %s is one line', async (option, value, line) => {
  const run = chat('ken', [option, value]);
  expect(await run.exited).toBe(1);
  expect(run.stderrLines()).toEqual([`ivschat: ${line}`]);
});

test('an unknown option is one line and exit code 2', async () => {
  const run = cli(['chat', '--room', 'r', '--user', 'ivan', '--bogus']);
  expect(await run.exited).toBe(2);
  expect(run.stderrLines()).toHaveLength(1);
  expect(run.stderrLines()[0]).toMatch(/^ivschat: Unknown option '--bogus'/);
});

test('--verbose shows the official client log, on stderr', async () => {
  const run = chat('judy', ['--verbose']);
  await run.waitFor(/\* joined walkthrough as judy/);
  run.say('/quit');
  expect(await run.exited).toBe(0);
  expect(run.stderrLines().some((line) => /^Room \S+ connection changed state: connecting -> open/.test(line))).toBe(true);
});

test('the extension commands: /history, /who, /ban (the user is disconnected and cannot come back), /unban', async () => {
  const cat = chat('cat', ['--moderator', '--room', 'extensions']);
  await cat.waitFor(/\* joined extensions as cat/);
  const dan = chat('dan', ['--room', 'extensions']);
  await dan.waitFor(/\* joined extensions as dan/);
  dan.say('first from dan');
  await cat.waitFor(/\[dan\] first from dan/);

  cat.say('/history 5');
  await cat.waitFor(/Z \[dan\] first from dan {2}\([A-Za-z0-9]{12}\)/);
  cat.say('/who');
  await cat.waitFor(/\* 2 user\(s\), 2 connection\(s\)\n {2}cat since .*Z\n {2}dan since .*Z/);

  cat.say('/ban dan 5 flooding');
  await cat.waitFor(/\* dan is banned for 5 minute\(s\): flooding/);
  await cat.waitFor(/\* dan was disconnected: flooding/);
  expect(await dan.exited).toBe(1);
  const again = chat('dan', ['--room', 'extensions']);
  await again.waitFor(/banned from room/);
  cat.say('/unban dan');
  await cat.waitFor(/\* dan may join again/);
  const back = chat('dan', ['--room', 'extensions']);
  await back.waitFor(/\* joined extensions as dan/);
  back.say('/quit');
  cat.say('/quit');
  expect(await cat.exited).toBe(0);
});
