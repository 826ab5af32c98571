// The installed package's code (npm runs this as `prepare`: before `npm pack` and `npm publish`, and
// when a project installs this repository from a git URL). A checkout never needs it: tests, `npm
// start` and `cdk synth` run the TypeScript through tsx and jest.
//
// dist/local.cjs, dist/cdk.cjs    the package's two entry points (package.json "exports")
// dist/cli/start.cjs, chat.cjs    what bin/ivschat.cjs runs in the installed package
// dist/console/app.js             the console page's script, so that its users need no esbuild
// dist/types/                     the declarations of both entry points
//
// Each bundle holds this repository's modules and the two ESM-only dependencies (@middy/core and
// jose): a CommonJS bundle that require()s an ES module fails under jest and Node before 20.19.
// Every other dependency stays a require() of the package the user's project installed.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build, Plugin } from 'esbuild';
import { buildConsoleBundle } from '../lib/local/unsigned-routes';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const BUNDLED_PACKAGES = ['@middy/core', 'jose'];

const ENTRIES = {
  local: 'lib/local/embed.ts',
  cdk: 'lib/cdk.ts',
  'cli/start': 'bin/local.ts',
  'cli/chat': 'bin/ivschat-cli.ts',
};

/** Every bare import is external except BUNDLED_PACKAGES (and their subpaths). */
const dependenciesExternal: Plugin = {
  name: 'dependencies-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const bundled = BUNDLED_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`));
      return bundled ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * The declarations, without a type check: `npm test` checks these sources (tsc --noEmit), and a
 * type error must not fail `npm ci` or an install from a git URL, which run this script.
 */
async function emitDeclarations(): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.dist.json'), '--noCheck'], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: Error & { stdout?: string }) => {
    throw new Error(`tsc: ${err.stdout || err.message}`);
  });
}

async function bundle(): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([out, entry]) => [out, join(ROOT, entry)])),
    outdir: DIST,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [dependenciesExternal],
    logLevel: 'warning',
  });
  mkdirSync(join(DIST, 'console'), { recursive: true });
  writeFileSync(join(DIST, 'console/app.js'), await buildConsoleBundle());
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  // tsc (most of the time, reading aws-cdk-lib's declarations) in its own process while esbuild bundles.
  await Promise.all([emitDeclarations(), bundle()]);
}

main().catch((err: unknown) => {
  console.error(`build-dist: ${(err as Error).message}`);
  process.exit(1);
});
