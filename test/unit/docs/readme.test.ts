import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The README shows programs from examples/ (run by test/integration/local/examples.test.ts); this
// keeps what a reader copies identical to what the suite runs.
const ROOT = resolve(__dirname, '../../..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  body: string;
  /** The file named by an `<!-- example: … -->` marker on the line before the fence, if any. */
  example?: string;
  section: string;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) section = line.slice(3);
    const fence = /^```(\w*)$/.exec(line);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README line ${i + 1}: code block never closed`);
    const example = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ lang: fence[1]!, body: lines.slice(i + 1, end).join('\n') + '\n', example, section });
    i = end;
  }
  return blocks;
}

const blocks = codeBlocks(README);
const PROGRAM_LANGS = new Set(['js', 'mjs', 'javascript', 'ts', 'mts', 'typescript']);

test('the README shows its example programs', () => {
  expect(blocks.filter((b) => b.example).map((b) => b.example)).toEqual([
    'examples/quickstart.mjs',
    'examples/chat-room.mjs',
    'examples/embedded.test.mjs',
    'examples/cdk-app.mjs',
  ]);
});

test.each(blocks.filter((b) => b.example).map((b) => [b.example!, b] as const))('the README block of %s is the file', (file, block) => {
  expect(existsSync(resolve(ROOT, file))).toBe(true);
  expect(block.lang).toBe('js');
  expect(block.body).toBe(readFileSync(resolve(ROOT, file), 'utf8'));
});

test('every program in the README is an example file', () => {
  // The deployment section's snippet needs a deployed stack (and is a fragment of a user's app).
  const unmarked = blocks.filter((b) => PROGRAM_LANGS.has(b.lang) && !b.example && b.section !== 'Deploy to AWS');
  expect(unmarked.map((b) => `${b.section}: ${b.body.split('\n')[0]}`)).toEqual([]);
});
