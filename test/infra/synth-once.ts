import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYNTH_DIR_ENV, SYNTH_EXIT_FILE, SYNTH_LOG_FILE, SYNTH_OUT_DIR } from '../helpers/synthesized';

const ROOT = join(__dirname, '../..');

const running = globalThis as { ivschatSynth?: { child: ChildProcess; dir: string } };

/**
 * Jest's globalSetup of the infra project: one `cdk synth` of the app, as a deployer runs it (the
 * CLI, cdk.json's app, the cdk-nag checks, no AWS credentials), for the whole run. Bundling every
 * handler with esbuild is most of a synthesis, so the files of the project share this one
 * (test/helpers/synthesized.ts) instead of synthesizing their own. It runs in the background: the
 * other projects' tests go on meanwhile, and the infra tests wait for it.
 */
export default function synthOnce(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ivschat-synth-'));
  const log = openSync(join(dir, SYNTH_LOG_FILE), 'w');
  // Whatever credentials or region the developer has, the synthesis must not need them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--no-notices', '-o', join(dir, SYNTH_OUT_DIR)],
    // Its own process group, so that the app and the esbuild runs under it can be stopped with it.
    { cwd: ROOT, env: { ...env, CDK_DISABLE_VERSION_CHECK: '1' }, stdio: ['ignore', log, log], detached: true },
  );
  // Jest may exit without its teardown (a failed setup of another project, --bail).
  process.once('exit', () => stopGroup(child));
  // Not after the teardown: it removed the directory, and the exit it caused is nobody's news.
  const done = (result: { code: number | null; signal: string | null; error?: string }) => {
    if (running.ivschatSynth) writeFileSync(join(dir, SYNTH_EXIT_FILE), JSON.stringify(result));
  };
  child.once('error', (err) => done({ code: null, signal: null, error: err.message }));
  child.once('exit', (code, signal) => done({ code, signal }));
  // The workers inherit the environment, and with it where to look.
  process.env[SYNTH_DIR_ENV] = dir;
  running.ivschatSynth = { child, dir };
}

/** globalTeardown: a synthesis nobody waited for (only other files ran) is stopped; its output goes. */
export function stopSynth(): void {
  const synth = running.ivschatSynth;
  if (!synth) return;
  running.ivschatSynth = undefined;
  stopGroup(synth.child);
  rmSync(synth.dir, { recursive: true, force: true });
}

function stopGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
