import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { principalsFile } from '../../fixtures/principals';
import { LocalProcess, runToExit, startLocal } from '../../helpers/local-stack';

/** What `npm start` (bin/local.ts, as its own process) prints when it starts, and when it refuses to. */

const ROOT = resolve(__dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'ivschat-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A port some other program listens on, for as long as `use` runs. */
async function withBlockedPort<T>(use: (port: number) => Promise<T>): Promise<T> {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  try {
    return await use((blocker.address() as AddressInfo).port);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
}

/** Runs a banner's `try` line in a shell, as a user pasting it would; resolves once it has joined, then leaves. */
async function pasted(line: string, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; output: string }> {
  // Keys of the developer's own must not be what makes the command work (or fail).
  const child = spawn('sh', ['-c', line], {
    cwd: ROOT,
    env: { ...process.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, ...env },
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
    if (output.includes('* joined lobby as ann')) child.stdin.write('/quit\n');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(timer);
  return { code, output };
}

const bannerLine = (output: string, label: string) => new RegExp(`^ivschat-local: ${label} +(.*)$`, 'm').exec(output)?.[1];

describe('a started process', () => {
  let stack: LocalProcess;
  beforeAll(async () => {
    stack = await startLocal({ AWS_REGION: 'eu-west-1', IVSCHAT_ACCOUNT_ID: '123456789012' });
  });
  afterAll(() => stack?.stop());

  test('the banner: endpoints, region, the credentials (not the secret) and where they came from, and a command that works when pasted', async () => {
    const output = stack.output();
    expect(bannerLine(output, 'control plane')).toBe(`${stack.apiUrl}  (SigV4, region eu-west-1, account 123456789012)`);
    expect(bannerLine(output, 'messaging')).toBe(`${stack.wsUrl}  (@connections API ${stack.connectionsEndpoint})`);
    expect(bannerLine(output, 'console')).toBe(`${stack.apiUrl}/console/`);
    expect(bannerLine(output, 'credentials')).toMatch(/^access key id test, local mode's default principal /);
    const command = bannerLine(output, 'try') as string;
    expect(command).toBe(`npx ivschat chat --endpoint ${stack.apiUrl} --ws ${stack.wsUrl} --region eu-west-1 --room lobby --user ann`);
    const run = await pasted(command);
    expect(run).toMatchObject({ code: 0, output: expect.stringContaining('* joined lobby as ann') });
  });

  test('unsigned: GET /ping is the readiness check, GET / says what answers there', async () => {
    const ping = await fetch(`${stack.apiUrl}/ping`);
    expect([ping.status, ping.headers.get('content-type'), await ping.text()]).toEqual([200, 'application/json', '{"status":"ok"}']);
    const root = await fetch(`${stack.apiUrl}/`);
    expect([root.status, root.headers.get('content-type')]).toEqual([200, 'text/plain; charset=utf-8']);
    expect(await root.text()).toBe(
      [
        'ivschat-selfhosted, local mode: the Amazon IVS Chat control plane.',
        'Every API call is signed with SigV4 (service ivschat, region eu-west-1), as by the AWS SDKs and CLI.',
        'console:   /console/',
        'readiness: GET /ping',
        `messaging: ${stack.wsUrl}`,
        '',
      ].join('\n'),
    );
    // Still only GET and HEAD: anything else at / is refused as API Gateway would.
    const post = await fetch(`${stack.apiUrl}/`, { method: 'POST' });
    expect([post.status, post.headers.get('x-amzn-errortype')]).toEqual([403, 'MissingAuthenticationTokenException']);
  });
});

describe('the banner', () => {
  test('with a principals file: every access key id and the file, never a secret; the command names the key that may chat', async () => {
    const file = principalsFile([
      { accessKeyId: 'reader', secretAccessKey: 'reader-SECRET-1', allow: ['ivschat:Get*', 'ivschat:List*'] },
      { accessKeyId: 'chatter', secretAccessKey: 'chatter-SECRET-2', allow: ['ivschat:*'] },
    ]);
    const stack = await startLocal({ IVSCHAT_PRINCIPALS_FILE: file });
    try {
      const output = stack.output();
      expect(bannerLine(output, 'credentials')).toBe(`access key ids reader, chatter from IVSCHAT_PRINCIPALS_FILE ${file} (secrets there)`);
      expect(output).not.toMatch(/SECRET-/);
      const command = bannerLine(output, 'try') as string;
      expect(command).toContain(' --access-key-id chatter --secret-access-key "$IVSCHAT_SECRET" ');
      expect(await pasted(command, { IVSCHAT_SECRET: 'chatter-SECRET-2' })).toMatchObject({ code: 0 });
    } finally {
      await stack.stop();
    }
  });
});

describe('every setting is checked at start: exit 1, one line on stderr, nothing else', () => {
  test.concurrent.each([
    [
      'a log level Powertools does not know',
      { POWERTOOLS_LOG_LEVEL: 'LOUD' },
      "POWERTOOLS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, got 'LOUD'",
    ],
    [
      'a lifetime under a second',
      { IVSCHAT_TOKEN_LIFETIME_MS: '0' },
      "IVSCHAT_TOKEN_LIFETIME_MS must be at least 1000 (milliseconds: 1 s), got '0'",
    ],
    ['a region that is not one', { AWS_REGION: 'nowhere' }, "AWS_REGION is not a region name (like us-east-1 or us-gov-west-1): 'nowhere'"],
    [
      'one port for both listeners',
      { IVSCHAT_API_PORT: '18787', IVSCHAT_WS_PORT: '18787' },
      'IVSCHAT_API_PORT and IVSCHAT_WS_PORT are both 18787: the control plane and the WebSocket need a port each',
    ],
    ['a number that is not a whole one', { IVSCHAT_MAX_ROOMS: '1e3' }, "IVSCHAT_MAX_ROOMS must be a whole number, got '1e3'"],
    ['a port that is not a number', { IVSCHAT_API_PORT: 'abc' }, "IVSCHAT_API_PORT must be a port number (0-65535), got 'abc'"],
  ])('%s', async (_label, env, reason) => {
    expect(await runToExit(env)).toEqual({ code: 1, stdout: '', stderr: `ivschat-local: ${reason}\n` });
  });
});

describe('the chat-log directory is made only when a room first logs', () => {
  // Their own temporary directory, so that other tests' stacks do not count.
  const logDirsIn = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('ivschat-logs-'));

  test('a start and stop whose rooms never log, and a failed start, leave none', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const stack = await startLocal({ TMPDIR: tmp });
    expect(stack.logsDir.startsWith(tmp)).toBe(true);
    expect(await stack.stop()).toBe(0);
    await withBlockedPort(async (port) => {
      expect(await runToExit({ TMPDIR: tmp, IVSCHAT_WS_PORT: String(port) })).toMatchObject({ code: 1 });
    });
    expect(logDirsIn(tmp)).toEqual([]);
  });
});

describe('bad configuration exits non-zero with one line on stderr', () => {
  const scratchFile = (name: string, text: string) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  test('a principals file that does not exist', async () => {
    const path = join(scratch, 'no-such-principals.json');
    expect(await runToExit({ IVSCHAT_PRINCIPALS_FILE: path })).toEqual({
      code: 1,
      stdout: '',
      stderr: `ivschat-local: cannot read IVSCHAT_PRINCIPALS_FILE ${path}: ENOENT\n`,
    });
  });

  test('a principals file that cannot be read (a directory)', async () => {
    const path = join(scratch, 'principals-dir');
    mkdirSync(path, { recursive: true });
    expect(await runToExit({ IVSCHAT_PRINCIPALS_FILE: path })).toEqual({
      code: 1,
      stdout: '',
      stderr: `ivschat-local: cannot read IVSCHAT_PRINCIPALS_FILE ${path}: EISDIR\n`,
    });
  });

  test('a principals file that is not JSON, without quoting the secret next to the error', async () => {
    const path = scratchFile(
      'unquoted.json',
      '{"principals":[{"accessKeyId":"AKIDX","secretAccessKey":Sup3rSecretValue,"allow":["ivschat:*"]}]}',
    );
    const run = await runToExit({ IVSCHAT_PRINCIPALS_FILE: path });
    expect(run).toEqual({ code: 1, stdout: '', stderr: `ivschat-local: cannot read IVSCHAT_PRINCIPALS_FILE ${path}: not valid JSON\n` });
    expect(run.stderr).not.toContain('Sup3rSecretValue');

    // Where V8 gives a position instead of an excerpt, the position is kept.
    const unclosed = scratchFile('unclosed.json', '{"principals":[{"accessKeyId":"AKIDX","secretAccessKey":"s","allow":[]}');
    expect(await runToExit({ IVSCHAT_PRINCIPALS_FILE: unclosed })).toEqual({
      code: 1,
      stdout: '',
      stderr: `ivschat-local: cannot read IVSCHAT_PRINCIPALS_FILE ${unclosed}: not valid JSON (at position 71)\n`,
    });
  });

  test.each(['IVSCHAT_API_PORT', 'IVSCHAT_WS_PORT'])('%s already in use', async (variable) => {
    await withBlockedPort(async (port) => {
      expect(await runToExit({ [variable]: String(port) })).toEqual({
        code: 1,
        stdout: '',
        stderr: `ivschat-local: port ${port} on 127.0.0.1 is in use\n`,
      });
    });
  });

  test('an IVSCHAT_HOST that does not resolve', async () => {
    expect(await runToExit({ IVSCHAT_HOST: 'nope.invalid' })).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        /^ivschat-local: cannot listen on nope\.invalid \(IVSCHAT_HOST\): the name does not resolve \((ENOTFOUND|EAI_AGAIN)\)\n$/,
      ),
    });
  });

  test.each([
    ['exports no handler', 'export const review = () => null;', 'exports no handler function'],
    ['does not load', 'export const handler = (;', 'cannot load'],
  ])('an IVSCHAT_LAMBDAS_FILE module that %s', async (_label, source, reason) => {
    const module = scratchFile('review-handler.mjs', source);
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:review';
    const lambdas = scratchFile('lambdas.json', JSON.stringify({ [arn]: './review-handler.mjs' }));
    const run = await runToExit({ IVSCHAT_LAMBDAS_FILE: lambdas });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(new RegExp(`^ivschat-local: IVSCHAT_LAMBDAS_FILE: .*${reason}.*\n$`));
    expect(run.stderr).toContain(module);
  });
});
