import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ivschat, LocalProcess, startLocal } from '../../helpers/local-stack';

// The README's programs are the files under examples/ (test/unit/docs/readme.test.ts checks that);
// here each runs, as a reader would run it, against the real local stack.
const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);
let stack: LocalProcess;

beforeAll(async () => {
  stack = await startLocal();
});
afterAll(async () => {
  await stack.stop();
});

/** Runs an example with node; the endpoints come from the variables the examples read. */
const runExample = (file: string) =>
  run(process.execPath, [resolve(ROOT, file)], {
    cwd: ROOT,
    timeout: 20_000,
    env: {
      ...process.env,
      IVSCHAT_ENDPOINT: stack.apiUrl,
      IVSCHAT_WS_URL: stack.wsUrl,
      // Keys of a real account in the environment must not be used instead of the examples' test/test.
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEREALKEY',
      AWS_SECRET_ACCESS_KEY: 'real-secret',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });

/** What each example prints; an example under examples/ must be here or name the test that runs it. */
const EXPECTED: Record<string, RegExp> = {
  'examples/quickstart.mjs': /^arn:aws:ivschat:us-east-1:000000000000:room\/[A-Za-z0-9]{12}\n[1-9]\d* room\(s\)\n$/,
  'examples/chat-room.mjs': /^ann: hello\ndisconnected \(clientDisconnect\)\n$/,
};
const RUN_ELSEWHERE: Record<string, string> = {
  'examples/control-plane-tour.mjs': 'test/integration/local/tour.test.ts',
  'examples/profanity.mjs': 'test/integration/local/review-handlers.test.ts',
  // Both import the package by name: they run in a project that installed its packed tarball.
  'examples/embedded.test.mjs': 'test/integration/package/pack-install.test.ts',
  'examples/cdk-app.mjs': 'test/integration/package/pack-install.test.ts',
};

test('every example is run by a test', () => {
  const files = readdirSync(resolve(ROOT, 'examples')).map((name) => `examples/${name}`);
  expect(files.filter((f) => !(f in EXPECTED) && !(f in RUN_ELSEWHERE))).toEqual([]);
  for (const [file, testFile] of Object.entries(RUN_ELSEWHERE)) expect(readFileSync(resolve(ROOT, testFile), 'utf8')).toContain(file);
});

test.each(Object.entries(EXPECTED))('%s runs and prints only its result', async (file, expected) => {
  const { stdout, stderr } = await runExample(file);
  expect(stdout).toMatch(expected);
  // No debug lines from the official client, no warnings.
  expect(stderr).toBe('');
});

test("the README's curl commands work as written", async () => {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const commands = [...readme.matchAll(/^```sh\n(curl --aws-sigv4[^`]*?http:\/\/127\.0\.0\.1:8787[^`]*?)```$/gm)].map((m) => m[1]!);
  expect(commands).toHaveLength(2);
  for (const command of commands) {
    const local = command.replace('http://127.0.0.1:8787', stack.apiUrl).trim();
    const { stdout } = await run('sh', ['-c', `${local} -s -w '\\n%{http_code}'`], { timeout: 10_000 });
    const [body, status] = stdout.split('\n');
    expect(status).toBe('200');
    expect(JSON.parse(body!)).toEqual(
      expect.objectContaining(command.includes('/CreateRoom') ? { name: 'lobby' } : { rooms: expect.any(Array) }),
    );
  }
  const { rooms } = await ivschat(stack.apiUrl).send(new ListRoomsCommand({ name: 'lobby' }));
  expect(rooms!.length).toBeGreaterThan(0);
});
