#!/usr/bin/env node
// `npx ivschat start` runs the local service, as `npm start` does; `npx ivschat chat …` (and
// anything else, --help included) the two-terminal chat. In a checkout the TypeScript runs through
// tsx; the installed package ships no TypeScript here and runs the bundles of its dist/cli instead.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const start = process.argv[2] === 'start';
// bin/local.ts reads no arguments; the chat CLI reads its own, `chat` first.
if (start) process.argv.splice(2, 1);
const source = join(__dirname, start ? 'local.ts' : 'ivschat-cli.ts');
if (existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(join(__dirname, '..', 'dist', 'cli', start ? 'start.cjs' : 'chat.cjs'));
}
