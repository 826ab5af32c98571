import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseReadyLine } from '../../../lib/local/ready';

// The package as a user's project gets it: `npm pack` (which builds dist/ in `prepare`), the
// tarball installed offline into a fresh project, and there the three ways in: startLocal in a jest
// test (examples/embedded.test.mjs), IvsChat in a CDK app (examples/cdk-app.mjs), `npx ivschat`.
const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

type LockEntry = {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
};
type Lock = { packages: Record<string, LockEntry> };

/** What the user's project declares: the package and what its code imports (the versions this repository pins). */
const USER_DEPENDENCIES = ['@aws-sdk/client-ivschat', 'amazon-ivs-chat-messaging', 'ws', 'aws-cdk-lib', 'constructs', 'esbuild'];

/**
 * The user's lock file, from this repository's: after `npm ci` the npm cache holds the tarballs of
 * exactly those packages but none of the registry's package documents, which `npm install` of a
 * tarball without a lock file would need to resolve version ranges. With every package pinned, as
 * any project with a lock file has it, the offline install needs only the cached tarballs.
 */
function userLock(repoLock: Lock, tarball: string, pkg: Record<string, unknown>, dependencies: Record<string, string>): Lock {
  const tarballEntry: LockEntry = {
    version: pkg.version as string,
    resolved: `file:${tarball}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    dependencies: pkg.dependencies as Record<string, string>,
    peerDependencies: pkg.peerDependencies as Record<string, string>,
    peerDependenciesMeta: pkg.peerDependenciesMeta as Record<string, { optional?: boolean }>,
    bin: pkg.bin,
    license: pkg.license,
    engines: pkg.engines,
  };
  const source: Record<string, LockEntry> = { ...repoLock.packages, 'node_modules/ivschat-selfhosted': tarballEntry };
  const packages: Record<string, LockEntry> = {};
  /** Where Node finds `name` from the package at `from`: its own node_modules, then each one above. */
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (source[path]) return path;
      if (!dir) return undefined;
    }
  };
  const add = (path: string) => {
    if (packages[path]) return;
    const { dev: _dev, devOptional, peer: _peer, ...entry } = source[path]!;
    packages[path] = devOptional ? { ...entry, optional: true } : entry;
    const optionalPeers = Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional);
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const [name] of optionalPeers) delete wanted[name];
    for (const name of Object.keys(wanted)) {
      const found = locate(path, name);
      if (found) add(found);
      else if (!(name in (entry.optionalDependencies ?? {}))) throw new Error(`${path} needs ${name}, which the lock file does not hold`);
    }
  };
  for (const name of Object.keys(dependencies)) add(`node_modules/${name}`);
  return {
    name: 'embed-check',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'embed-check', dependencies }, ...packages },
  } as unknown as Lock;
}

let project: string;
let work: string;
const children: ChildProcess[] = [];

/** Runs a command in the user's project; rejects with its output when it fails. */
async function inProject(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = 100_000) {
  try {
    return await run(command, args, { cwd: project, timeout, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ivschat-pack-'));
  project = join(work, 'project');
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--json', '--foreground-scripts=false'], {
    cwd: ROOT,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }];
  const tarball = join(work, filename);

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const pinned = (name: string) => repoLock.packages[`node_modules/${name}`]!.version!;
  const dependencies = {
    'ivschat-selfhosted': `file:../${filename}`,
    ...Object.fromEntries(USER_DEPENDENCIES.map((name) => [name, pinned(name)])),
  };
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'embed-check', private: true, type: 'module', dependencies, jest: { transform: {} } }, null, 2),
  );
  const lock = userLock(repoLock, tarball, pkg, dependencies);
  // The lock names the tarball relative to the project, as npm writes it.
  lock.packages['node_modules/ivschat-selfhosted']!.resolved = `file:../${filename}`;
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await inProject('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {}, 180_000);
  for (const file of ['examples/embedded.test.mjs', 'examples/cdk-app.mjs'])
    copyFileSync(join(ROOT, file), join(project, file.split('/')[1]!));
}, 400_000);

afterAll(() => {
  // A group left by a failed test: whatever of it still runs.
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the bundles, declarations and function sources, and no tests or TypeScript of the hosts', () => {
  const installed = join(project, 'node_modules/ivschat-selfhosted');
  for (const file of ['dist/local.cjs', 'dist/cdk.cjs', 'dist/cli/start.cjs', 'dist/cli/chat.cjs', 'dist/console/app.js']) {
    expect(existsSync(join(installed, file))).toBe(true);
  }
  for (const file of ['dist/types/lib/local/embed.d.ts', 'dist/types/lib/cdk.d.ts', 'lambdas/messaging/default.ts', 'LICENSE']) {
    expect(existsSync(join(installed, file))).toBe(true);
  }
  expect(readdirSync(installed).sort()).toEqual([
    'LICENSE',
    'README.md',
    'bin',
    'console',
    'dist',
    'lambdas',
    'package.json',
    'tsconfig.json',
  ]);
  expect(readdirSync(join(installed, 'bin'))).toEqual(['ivschat.cjs']);
  // The service runs without tsx: it is not installed at all.
  expect(existsSync(join(project, 'node_modules/tsx'))).toBe(false);
});

test('startLocal in a jest test: two isolated services, the SDK and the official messaging client', async () => {
  // The user's jest is this repository's, run in the user's project (it resolves the package from there).
  const jest = join(ROOT, 'node_modules/jest/bin/jest.js');
  const { stderr } = await inProject(process.execPath, [jest, '--ci', '--rootDir', project, 'embedded.test.mjs'], {
    NODE_OPTIONS: '--experimental-vm-modules --no-warnings',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  expect(stderr).toMatch(/Tests:\s+2 passed, 2 total/);
}, 60_000);

test('npx ivschat start reaches its ready line, npx ivschat chat chats there, and the service stops on SIGTERM', async () => {
  // In a process group of its own, signalled as a terminal or a CI runner does: npm exec runs the
  // bin through `sh -c` and forwards no signal, so a SIGTERM to npx alone would orphan the service.
  const child = spawn('npx', ['ivschat', 'start'], {
    cwd: project,
    env: { ...process.env, IVSCHAT_API_PORT: '0', IVSCHAT_WS_PORT: '0', IVSCHAT_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // Output closes once the last process of the group holding it (the service) has exited.
  const closed = new Promise<void>((res) => child.once('close', () => res()));
  const ready = await new Promise<ReturnType<typeof parseReadyLine>>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no ready line within 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const info = parseReadyLine(output);
      if (!info) return;
      clearTimeout(timer);
      res(info);
    });
    void closed.then(() => {
      clearTimeout(timer);
      rej(new Error(`exited before its ready line:\n${output}`));
    });
  });
  // The installed console serves the prebuilt script (no esbuild needed at runtime).
  const script = await fetch(`${ready!.apiUrl}/console/app.js`);
  expect(script.status).toBe(200);
  // npx ivschat chat against it, with local mode's default keys: a line typed comes back, /quit leaves.
  const env = { ...process.env };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  const args = ['ivschat', 'chat', '--room', 'lobby', '--user', 'ann', '--endpoint', ready!.apiUrl, '--ws', ready!.wsUrl];
  const chat = spawn('npx', args, { cwd: project, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  children.push(chat);
  let said = '';
  let step = 0;
  chat.stdout.on('data', (d: Buffer) => {
    said += d.toString();
    if (step === 0 && said.includes('* joined lobby as ann')) {
      step = 1;
      chat.stdin.write('hello from the package\n');
    } else if (step === 1 && said.includes('[ann] hello from the package')) {
      step = 2;
      chat.stdin.end('/quit\n');
    }
  });
  chat.stderr.on('data', (d: Buffer) => (said += d.toString()));
  const code = await new Promise<number | null>((res) => chat.once('close', res));
  expect([code, said]).toEqual([0, expect.stringMatching(/\[ann\] hello from the package[^]*\* disconnected \(clientDisconnect\)/)]);
  process.kill(-child.pid!, 'SIGTERM');
  await closed;
  expect(output).toContain('ivschat-local: SIGTERM, finishing in-flight requests');
  expect(output).not.toMatch(/error while stopping|did not stop/);
  await expect(fetch(`${ready!.apiUrl}/ping`)).rejects.toThrow();
}, 60_000);

test('both entry points have declarations a TypeScript project type-checks against', async () => {
  writeFileSync(
    join(project, 'check.mts'),
    [
      "import { LocalConfigError, startLocal, type LocalChat, type StartLocalOptions } from 'ivschat-selfhosted/local';",
      "import { IvsChat, type IvsChatProps } from 'ivschat-selfhosted/cdk';",
      "const options: StartLocalOptions = { apiPort: 0, tokenLifetimeMs: 5000, allowedHosts: ['chat.test'], logLevel: 'ERROR' };",
      'const chat: LocalChat = await startLocal(options);',
      'const endpoint: string = chat.controlPlaneUrl;',
      'const stopped: Promise<void> = chat.stop();',
      '// @ts-expect-error the ports are apiPort and wsPort',
      'await startLocal({ port: 0 });',
      '// @ts-expect-error a level Powertools does not have',
      "await startLocal({ logLevel: 'LOUD' });",
      'const props: IvsChatProps = { historyHours: 1 };',
      'export const used = [endpoint, stopped, props, IvsChat, LocalConfigError];',
      '',
    ].join('\n'),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const flags = ['--module', 'nodenext', '--target', 'es2022', '--strict', '--noEmit', '--skipLibCheck', '--types', 'node'];
  await inProject(process.execPath, [tsc, ...flags, '--typeRoots', join(ROOT, 'node_modules/@types'), 'check.mts']);
}, 120_000);

test('IvsChat in a CDK app synthesizes, and a function bundles from the installed sources', async () => {
  const out = join(work, 'cdk.out');
  await inProject(process.execPath, ['cdk-app.mjs'], {
    CDK_OUTDIR: out,
    // Bundling 26 functions takes a while; the entry paths and lock file are still resolved and checked.
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
  });
  const template = JSON.parse(readFileSync(join(out, 'MyProduct.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
    Outputs: Record<string, unknown>;
  };
  const types = Object.values(template.Resources).map((r) => r.Type);
  expect(types.filter((t) => t === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(20);
  expect(types).toEqual(expect.arrayContaining(['AWS::DynamoDB::GlobalTable', 'AWS::ApiGatewayV2::Api', 'AWS::ApiGateway::RestApi']));
  expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['ChatControlPlaneUrl', 'ChatMessagingUrl']));
  // What NodejsFunction would run for one function, with the project's esbuild: every import resolves.
  await inProject(join(project, 'node_modules/.bin/esbuild'), [
    'node_modules/ivschat-selfhosted/lambdas/messaging/default.ts',
    '--bundle',
    '--platform=node',
    '--format=cjs',
    '--target=node22',
    `--outfile=${join(work, 'default.js')}`,
    '--log-level=error',
  ]);
  expect(readFileSync(join(work, 'default.js'), 'utf8')).toContain('makeHandler');
}, 120_000);
