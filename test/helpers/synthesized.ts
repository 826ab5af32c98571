import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where test/infra/synth-once.ts synthesizes, for the infra project's workers. */
export const SYNTH_DIR_ENV = 'IVSCHAT_TEST_SYNTH_DIR';
export const SYNTH_OUT_DIR = 'cdk.out';
export const SYNTH_LOG_FILE = 'synth.log';
export const SYNTH_EXIT_FILE = 'exit.json';

/** The CLI synthesis' stack, as bin/app.ts names it. */
export const SYNTHESIZED_STACK = 'IvsChat';

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;
  Outputs: Record<string, { Value: unknown }>;
}

export interface Synthesized {
  /** The cloud assembly: templates, asset manifests, bundles. */
  outdir: string;
  template: TemplateJson;
}

/**
 * The one synthesis of the app for this test run (started by the infra project's globalSetup),
 * once it has finished; rejects with the CLI's output if it failed. Each wait is bounded: the
 * synthesis bundles every handler, which takes a minute or more on two busy cores.
 */
export async function synthesized(timeoutMs = 240_000): Promise<Synthesized> {
  const dir = process.env[SYNTH_DIR_ENV];
  if (!dir) throw new Error(`${SYNTH_DIR_ENV} is unset: run this file through jest's infra project (jest.config.js)`);
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(join(dir, SYNTH_EXIT_FILE))) {
    if (Date.now() > deadline) throw new Error(`cdk synth did not finish within ${timeoutMs / 1000} s:\n${output(dir)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const exit = JSON.parse(readFileSync(join(dir, SYNTH_EXIT_FILE), 'utf8')) as {
    code: number | null;
    signal: string | null;
    error?: string;
  };
  if (exit.code !== 0) throw new Error(`cdk synth failed (${JSON.stringify(exit)}):\n${output(dir)}`);
  const outdir = join(dir, SYNTH_OUT_DIR);
  const template = JSON.parse(readFileSync(join(outdir, `${SYNTHESIZED_STACK}.template.json`), 'utf8')) as TemplateJson;
  return { outdir, template };
}

const output = (dir: string): string => {
  try {
    return readFileSync(join(dir, SYNTH_LOG_FILE), 'utf8');
  } catch {
    return '(no output)';
  }
};
