import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

// One directory per test file for the apps it synthesizes, removed after the file: without an
// outdir each App would leave a directory of its own in the system's temporary directory.
const scratch = mkdtempSync(join(tmpdir(), 'ivschat-cdk-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * An app whose stacks are not bundled: for tests that look at templates and construct trees only
 * (the handlers are bundled once per run, by test/infra/synth-once.ts, and loaded in ivs-chat-stack.test.ts).
 */
export const unbundledApp = (context: Record<string, unknown> = {}): App =>
  new App({ outdir: mkdtempSync(join(scratch, 'app-')), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
