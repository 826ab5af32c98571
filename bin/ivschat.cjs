#!/usr/bin/env node
// `npx ivschat …`: the CLI is TypeScript, run through tsx like `npm start`.
require('tsx/cjs');
require('./ivschat-cli.ts');
