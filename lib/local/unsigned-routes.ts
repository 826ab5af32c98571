import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { logger } from '../../lambdas/shared/logger';
import { packageRoot } from '../package-root';

/**
 * What the console page needs to know about this service before the user signs anything: where
 * the messaging WebSocket is and which region to sign for. Nothing secret: it is served unsigned.
 */
export interface ConsoleConfig {
  region: string;
  wsUrl: string;
  /** `local`: the page pre-fills local mode's well-known keys (test/test). */
  mode: 'local';
}

/** Answers the request and returns true when it is one of the unsigned routes; false leaves it to the signed ones. */
export type ServeUnsigned = (req: IncomingMessage, res: ServerResponse) => boolean;

const ROOT = packageRoot(__dirname);
const CONSOLE_DIR = join(ROOT, 'console');
/** The page's script, bundled from console/src by esbuild on first request (once per process). */
const BUNDLE_ENTRY = join(CONSOLE_DIR, 'src/main.ts');
/**
 * The installed package ships that bundle instead of console/src (built by scripts/build-dist.ts
 * with buildConsoleBundle), so its users need no esbuild; a checkout always builds from source.
 */
export const PREBUILT_CONSOLE_BUNDLE = join(ROOT, 'dist/console/app.js');

/** The page talks to the control plane it was served from and to the WebSocket of the config, or to what the user enters. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https: ws: wss:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  type: string;
  body: () => Promise<Buffer>;
}

/**
 * The control plane's only unsigned routes: a readiness check (`GET /ping`, also `/health`), a few lines
 * at `GET /` saying what this port is, and the console's static files under `/console/`. Every other
 * request, every other method on these paths, and any request with a body, is left to SigV4 routing. Static files are read per request (they are small and few); the script
 * bundle is built once, lazily, so that starting the stack costs nothing when nobody opens the page.
 */
export function createUnsignedRoutes(config: ConsoleConfig): ServeUnsigned {
  let bundle: Promise<Buffer> | undefined;
  const script = () =>
    (bundle ??= (existsSync(BUNDLE_ENTRY) ? buildConsoleBundle() : readFile(PREBUILT_CONSOLE_BUNDLE)).catch((err: unknown) => {
      bundle = undefined;
      throw err;
    }));
  const file = (name: string) => () => readFile(join(CONSOLE_DIR, name));
  const assets = new Map<string, Asset>([
    ['/console/', { type: 'text/html; charset=utf-8', body: file('index.html') }],
    ['/console/style.css', { type: 'text/css; charset=utf-8', body: file('style.css') }],
    ['/console/app.js', { type: 'text/javascript; charset=utf-8', body: script }],
    ['/console/config.json', { type: 'application/json', body: async () => Buffer.from(JSON.stringify(config)) }],
  ]);
  // Someone who opens the bare URL (a browser, curl) learns what answers here instead of a bare 403.
  const about = Buffer.from(
    [
      'ivschat-selfhosted, local mode: the Amazon IVS Chat control plane.',
      `Every API call is signed with SigV4 (service ivschat, region ${config.region}), as by the AWS SDKs and CLI.`,
      'console:   /console/',
      'readiness: GET /ping',
      `messaging: ${config.wsUrl}`,
      '',
    ].join('\n'),
  );

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // These answers never read a body; one that comes anyway is for the signed routes to refuse
    // (they answer and close, so it is never read either).
    if ((req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding']) return false;
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] as string;
    if (path === '/ping' || path === '/health') {
      reply(req, res, 200, 'application/json', Buffer.from('{"status":"ok"}'));
      return true;
    }
    if (path === '/') {
      reply(req, res, 200, 'text/plain; charset=utf-8', about);
      return true;
    }
    if (path === '/console') {
      res.writeHead(308, { location: '/console/', ...SECURITY_HEADERS }).end();
      return true;
    }
    if (!path.startsWith('/console/')) return false;
    const asset = assets.get(path);
    if (!asset) {
      reply(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('Not found\n'));
      return true;
    }
    asset.body().then(
      (body) => reply(req, res, 200, asset.type, body),
      (err: unknown) => {
        logger.error('console asset failed', { path, error: err as Error });
        reply(req, res, 500, 'text/plain; charset=utf-8', Buffer.from('The console could not be built; see the server log.\n'));
      },
    );
    return true;
  };
}

function reply(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...SECURITY_HEADERS });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** One ES module for the browser: the page, the AWS SDK's IVS Chat client and the official messaging client. */
export async function buildConsoleBundle(): Promise<Buffer> {
  // esbuild is loaded only here: the stack itself does not need it to run.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [BUNDLE_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for the console');
  return Buffer.from(output.contents);
}
