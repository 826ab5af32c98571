import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { LocalProcess, startLocal } from '../../helpers/local-stack';

let stack: LocalProcess;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  stack = await startLocal();
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await stack.stop();
});

/** Starts `ivschat chat` (the README's walk-through) and collects what it prints. */
function chat(user: string, ...extra: string[]) {
  const child = spawn(
    process.execPath,
    [resolve(__dirname, '../../../bin/ivschat.cjs'), 'chat', '--room', 'walkthrough', '--user', user, '--endpoint', stack.apiUrl, '--ws', stack.wsUrl, ...extra],
    { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  running.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
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
  return { child, waitFor, exited, say: (line: string) => child.stdin.write(`${line}\n`) };
}

test('two terminals chat through the CLI; a moderator deletes a message and kicks a user', async () => {
  const ann = chat('ann', '--moderator');
  await ann.waitFor(/\* joined walkthrough as ann/);
  const bob = chat('bob');
  await bob.waitFor(/\* joined walkthrough as bob/);

  bob.say('hello from bob');
  const [, id] = await ann.waitFor(/\[bob\] hello from bob {2}\(([A-Za-z0-9]{12})\)/);
  await bob.waitFor(/\[bob\] hello from bob/);

  ann.say(`/delete ${id} off-topic`);
  await bob.waitFor(new RegExp(`\\* message ${id} deleted: off-topic`));

  bob.say(`/kick ann`);
  await bob.waitFor(/! refused \(403\)/);

  ann.say('/kick bob be nice');
  await ann.waitFor(/\* bob was disconnected: be nice/);
  await bob.waitFor(/\* disconnected \(serverDisconnect\)/);
  expect(await bob.exited).toBe(1);

  ann.say('/quit');
  await ann.waitFor(/\* disconnected \(clientDisconnect\)/);
  expect(await ann.exited).toBe(0);
});
