import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
/** Lints sources as if they were the files at their paths (nothing is written), in one ESLint run. */
const LINT_SOURCES = `
import { ESLint } from 'eslint';
const cases = JSON.parse(await new Response(process.stdin).text());
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const [path, source] of cases) {
  const [result] = await eslint.lintText(source, { filePath: path });
  results.push(result.messages.filter((m) => m.ruleId === 'import/no-restricted-paths').map((m) => m.message));
}
process.stdout.write(JSON.stringify(results));
`;

function boundaryErrors(cases: [path: string, source: string][]): string[][] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_SOURCES], {
    cwd: ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

// `npm run lint` (part of `npm test`) fails on any of these: each imports a layer above its own.
const UPWARD: [string, string][] = [
  ['lambdas/core/x.ts', "import { defaultDeps } from '../wiring/deps';\nexport const x = defaultDeps;\n"],
  ['lambdas/data/x.ts', "import { createRoom } from '../core/rooms';\nexport const x = createRoom;\n"],
  ['lambdas/domain/x.ts', "import { TABLE } from '../data/table';\nexport const x = TABLE;\n"],
  ['lambdas/shared/x.ts', "import { newId } from '../domain/ids';\nexport const x = newId;\n"],
  ['lambdas/control-plane/x.ts', "import { roomKey } from '../data/keys';\nexport const x = roomKey;\n"],
  [
    'lambdas/core/x.ts',
    "import { createLambdaInvoker } from '../adapters/review-handler-invoker';\nexport const x = createLambdaInvoker;\n",
  ],
  ['lambdas/domain/x.ts', "import { OPERATIONS } from '../../lib/permissions';\nexport const x = OPERATIONS;\n"],
];

const DOWNWARD: [string, string][] = [
  [
    'lambdas/core/x.ts',
    "import { roomKey } from '../data/keys';\nimport type { ConnectionGateway } from './ports';\nexport const x: ConnectionGateway | typeof roomKey = roomKey;\n",
  ],
  ['lambdas/adapters/x.ts', "import type { ConnectionGateway } from '../core/ports';\nexport type X = ConnectionGateway;\n"],
  [
    'lambdas/control-plane/x.ts',
    "import { getRoom } from '../core/rooms';\nimport { lambdaEntry } from '../wiring/deps';\nexport const x = [getRoom, lambdaEntry];\n",
  ],
  ['lib/local/x.ts', "import { buildDeps } from '../../lambdas/wiring/deps';\nexport const x = buildDeps;\n"],
];

test('the layer rule refuses every upward import and allows the downward ones', () => {
  const results = boundaryErrors([...UPWARD, ...DOWNWARD]);
  UPWARD.forEach(([path], i) => expect({ path, errors: results[i]?.length }).toEqual({ path, errors: 1 }));
  DOWNWARD.forEach(([path], i) => expect({ path, errors: results[UPWARD.length + i] }).toEqual({ path, errors: [] }));
});
