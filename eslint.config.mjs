// ESLint: typescript-eslint's recommended rules, Prettier for layout (`npm run lint` checks both),
// and the import direction of the layers that the README's "Layout" section describes.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

/** The layers of lambdas/, top to bottom. A layer imports only from the layers below it. */
const handlers = ['./lambdas/control-plane', './lambdas/messaging'];
const wiring = './lambdas/wiring';
const core = './lambdas/core';
const adapters = './lambdas/adapters';
const data = './lambdas/data';
const domain = './lambdas/domain';
const shared = './lambdas/shared';

const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

const layers = [
  // Hosts depend on lambdas/, never the reverse.
  zone('./lambdas', ['./lib', './bin', './bench', './test', './examples'], 'lambdas/ is hosted by lib/ and bin/: it never imports them.'),
  zone('./lib/constructs', './lib/local', 'CDK constructs do not depend on local mode.'),
  zone(
    handlers[0],
    [handlers[1], data, adapters],
    'A REST handler works through core/ and domain/ (wiring builds data stores and adapters).',
  ),
  zone(
    handlers[1],
    [handlers[0], data, adapters],
    'A WebSocket handler works through core/ and domain/ (wiring builds data stores and adapters).',
  ),
  zone(wiring, handlers, 'wiring/ builds what handlers use; it does not import handlers.'),
  zone(
    core,
    [...handlers, wiring, adapters],
    'core/ declares ports (core/ports.ts) that adapters implement; it never imports handlers, wiring or adapters.',
  ),
  zone(
    adapters,
    [...handlers, wiring, data],
    'An adapter implements a port of core/ports.ts over an AWS service; it imports no handler, wiring or store.',
  ),
  zone(adapters, core, 'An adapter imports only the ports of core/.', ['./ports.ts']),
  zone(data, [...handlers, wiring, core, adapters], 'data/ is below core/: it imports only domain/ and shared/.'),
  zone(domain, [...handlers, wiring, core, adapters, data], 'domain/ is pure rules: it imports only shared/.'),
  zone(shared, [...handlers, wiring, core, adapters, data, domain], 'shared/ holds leaf modules: it imports nothing else of lambdas/.'),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '**/*.d.ts', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.cjs', '**/*.js'],
    plugins: { import: importPlugin },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        fetch: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        queueMicrotask: 'readonly',
        WebSocket: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
      },
    },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] } } },
    rules: {
      'import/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layers }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  prettier,
);
