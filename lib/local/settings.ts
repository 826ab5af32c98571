import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LAMBDA_ARN_PATTERN, isLambdaInScope } from '../../lambdas/domain/arn';
import { Config, digitsOnly, readConfig } from '../../lambdas/shared/config';

/** Environment variables of local mode (`npm start`), named once. */
export const LOCAL_ENV = {
  host: 'IVSCHAT_HOST',
  apiPort: 'IVSCHAT_API_PORT',
  wsPort: 'IVSCHAT_WS_PORT',
  region: 'AWS_REGION',
  accountId: 'IVSCHAT_ACCOUNT_ID',
  dataDir: 'IVSCHAT_DATA_DIR',
  principalsFile: 'IVSCHAT_PRINCIPALS_FILE',
  /** JSON map of Lambda function ARNs to local modules, for rooms' message review handlers. */
  lambdasFile: 'IVSCHAT_LAMBDAS_FILE',
  /** Comma-separated Host names (besides the listen address and localhost) requests may name; `*`: any. */
  allowedHosts: 'IVSCHAT_ALLOWED_HOSTS',
  /** Concurrent TCP connections on the WebSocket port (sockets and @connections calls together). */
  maxWsConnections: 'IVSCHAT_MAX_WS_CONNECTIONS',
  /** Concurrent TCP connections on the control-plane port. */
  maxApiConnections: 'IVSCHAT_MAX_API_CONNECTIONS',
  /** Seconds between the WebSocket gateway's pings; a peer that has not echoed the last one by the next is dropped. */
  heartbeatSeconds: 'IVSCHAT_WS_HEARTBEAT_SECONDS',
  /** How often expired sessions are ended and expired items deleted; shortened by tests that compress hours. */
  sweepIntervalMs: 'IVSCHAT_SWEEP_INTERVAL_MS',
  /** Read by Powertools itself (lambdas/shared/logger.ts); checked here, because Powertools ignores a bad one. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  /** `1`: the control plane throttles each operation at IVS's rate (ThrottlingException), as the AWS stack does. */
  enforceQuotas: 'IVSCHAT_ENFORCE_QUOTAS',
} as const;

/** Powertools' levels, as it matches them: upper case only ('debug' would silently be INFO). */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const isLogLevel = (level: string): level is LogLevel => (LOG_LEVELS as readonly string[]).includes(level);

/** A caller of the local control plane: its key pair and the IAM actions it may call. */
export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  /** IAM action patterns, e.g. `ivschat:*` or `ivschat:Get*`. */
  allow: string[];
  /** Shown in AccessDenied messages as `arn:aws:iam::ACCOUNT:user/NAME`; defaults to the key id. */
  name?: string;
}

export interface LocalSettings {
  host: string;
  apiPort: number;
  wsPort: number;
  region: string;
  accountId: string;
  /** Unset: everything in memory. */
  dataDir: string | undefined;
  principals: Principal[];
  /** The file the principals were read from; unset: DEFAULT_PRINCIPALS. */
  principalsFile: string | undefined;
  /** Function ARN → absolute path of the module whose `handler` stands in for that Lambda function. */
  lambdas: ReadonlyMap<string, string>;
  /** Extra Host names from IVSCHAT_ALLOWED_HOSTS (lower case); `['*']` turns the Host check off. */
  allowedHosts: string[];
  maxWsConnections: number;
  maxApiConnections: number;
  heartbeatSeconds: number;
  sweepIntervalMs: number;
  /** IVSCHAT_ENFORCE_QUOTAS=1: IVS's per-operation rates (OPERATION_RATES) apply, as on AWS. */
  enforceQuotas: boolean;
}

/** Default cap on control-plane connections: far above what SDK clients keep open, far below the file limit. */
const DEFAULT_MAX_API_CONNECTIONS = 512;
/** Descriptors kept free beyond both caps: dynalite's files, logs, review-handler modules. */
const RESERVED_DESCRIPTORS = 256;

/** A configuration problem, reported as one line and a non-zero exit. */
export class LocalConfigError extends Error {}

/** The principal local mode has when no principals file is given (the AWS CLI's usual test keys). */
export const DEFAULT_PRINCIPALS: Principal[] = [
  { accessKeyId: 'test', secretAccessKey: 'test', allow: ['ivschat:*', 'execute-api:ManageConnections'] },
];

/** Reads and checks local mode's settings once. Throws LocalConfigError with a one-line reason. */
export function readLocalSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const { region, accountId } = readHandlerConfig(env);
  checkLogLevel(env);
  const apiPort = port(env, LOCAL_ENV.apiPort, 8787);
  const wsPort = port(env, LOCAL_ENV.wsPort, 8788);
  // Otherwise the second listener would fail with "port in use", as if another program had it.
  if (apiPort === wsPort && apiPort !== 0) {
    throw new LocalConfigError(
      `${LOCAL_ENV.apiPort} and ${LOCAL_ENV.wsPort} are both ${apiPort}: the control plane and the WebSocket need a port each`,
    );
  }
  const principalsFile = env[LOCAL_ENV.principalsFile];
  const lambdasFile = env[LOCAL_ENV.lambdasFile];
  const maxApiConnections = whole(env, LOCAL_ENV.maxApiConnections, DEFAULT_MAX_API_CONNECTIONS, 1);
  return {
    host: env[LOCAL_ENV.host] || '127.0.0.1',
    apiPort,
    wsPort,
    region,
    accountId,
    dataDir: env[LOCAL_ENV.dataDir] ? resolve(env[LOCAL_ENV.dataDir] as string) : undefined,
    principals: principalsFile ? readPrincipalsFile(principalsFile) : DEFAULT_PRINCIPALS,
    principalsFile: principalsFile ? resolve(principalsFile) : undefined,
    lambdas: lambdasFile ? readLambdasFile(lambdasFile, { region, accountId }) : new Map(),
    allowedHosts: (env[LOCAL_ENV.allowedHosts] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
    maxApiConnections,
    // By default the WebSocket port may use what the process's file limit leaves: when the
    // descriptors run out, both ports would refuse real clients.
    maxWsConnections: whole(
      env,
      LOCAL_ENV.maxWsConnections,
      Math.max(64, Math.min(50_000, openFileLimit() - maxApiConnections - RESERVED_DESCRIPTORS)),
      1,
    ),
    heartbeatSeconds: whole(env, LOCAL_ENV.heartbeatSeconds, 30, 1),
    sweepIntervalMs: sweepInterval(env),
    enforceQuotas: flag(env, LOCAL_ENV.enforceQuotas),
  };
}

function checkLogLevel(env: NodeJS.ProcessEnv): void {
  const level = env[LOCAL_ENV.logLevel];
  if (level === undefined || level === '' || isLogLevel(level)) return;
  throw new LocalConfigError(`${LOCAL_ENV.logLevel} must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const text = env[name];
  if (text === undefined || text === '' || text === '0') return false;
  if (text === '1') return true;
  throw new LocalConfigError(`${name} must be 1 or 0, got '${text}'`);
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = digitsOnly(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new LocalConfigError(`${name} must be a whole number of at least ${min}, got '${text}'`);
  return value;
}

/** The soft limit on open files (Linux: /proc/self/limits); elsewhere a common default. */
function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    if (line) return line === 'unlimited' ? 1_000_000 : Number(line);
  } catch {
    // Not Linux: fall through.
  }
  return 10_240;
}

/**
 * The handlers' configuration (lambdas/shared/config.ts) from local mode's environment: read and
 * checked there, once; an empty account or region means the default, as for local mode's own settings.
 */
export function readHandlerConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return readConfig({
      ...env,
      [LOCAL_ENV.accountId]: env[LOCAL_ENV.accountId] || undefined,
      [LOCAL_ENV.region]: env[LOCAL_ENV.region] || undefined,
    });
  } catch (err) {
    throw new LocalConfigError((err as Error).message);
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = digitsOnly(text);
  if (!Number.isInteger(value) || value > 65535) throw new LocalConfigError(`${name} must be a port number (0-65535), got '${text}'`);
  return value;
}

function sweepInterval(env: NodeJS.ProcessEnv): number {
  const ms = whole(env, LOCAL_ENV.sweepIntervalMs, 1000, 10);
  // Beyond 2^31 ms setInterval would fire every millisecond; a minute is already a lot.
  if (ms > 60_000) throw new LocalConfigError(`${LOCAL_ENV.sweepIntervalMs} must be at most 60000 (ms), got '${ms}'`);
  return ms;
}

/** Loads `{"principals":[{accessKeyId, secretAccessKey, allow:[...]}]}`; never echoes a secret. */
export function readPrincipalsFile(path: string): Principal[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new LocalConfigError(`cannot read ${LOCAL_ENV.principalsFile} ${path}: ${readFailure(err)}`);
  }
  const list = (parsed as { principals?: unknown })?.principals;
  if (!Array.isArray(list) || list.length === 0) {
    throw new LocalConfigError(`${LOCAL_ENV.principalsFile} ${path}: expected {"principals":[...]} with at least one principal`);
  }
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    const p = entry as Partial<Principal>;
    const where = `${LOCAL_ENV.principalsFile} ${path}: principals[${i}]`;
    if (typeof p?.accessKeyId !== 'string' || p.accessKeyId === '') throw new LocalConfigError(`${where} needs an accessKeyId`);
    if (typeof p.secretAccessKey !== 'string' || p.secretAccessKey === '') throw new LocalConfigError(`${where} needs a secretAccessKey`);
    if (!Array.isArray(p.allow) || !p.allow.every((a) => typeof a === 'string')) {
      throw new LocalConfigError(`${where} needs "allow": a list of IAM action names such as "ivschat:*"`);
    }
    if (p.name !== undefined && typeof p.name !== 'string') throw new LocalConfigError(`${where}: name must be a string`);
    if (seen.has(p.accessKeyId)) throw new LocalConfigError(`${where}: accessKeyId ${p.accessKeyId} appears twice`);
    seen.add(p.accessKeyId);
    return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, allow: p.allow, ...(p.name ? { name: p.name } : {}) };
  });
}

/**
 * Loads `{"<Lambda function ARN>": "<module path>"}`; paths are relative to the file. A function
 * outside local mode's account and region could never be a room's handler, so it is refused here.
 */
export function readLambdasFile(path: string, scope: { region: string; accountId: string }): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new LocalConfigError(`cannot read ${LOCAL_ENV.lambdasFile} ${path}: ${readFailure(err)}`);
  }
  const where = `${LOCAL_ENV.lambdasFile} ${path}`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LocalConfigError(`${where}: expected {"arn:aws:lambda:${scope.region}:${scope.accountId}:function:NAME": "./module.mjs"}`);
  }
  const lambdas = new Map<string, string>();
  for (const [arn, module] of Object.entries(parsed)) {
    if (!arn || !LAMBDA_ARN_PATTERN.test(arn)) throw new LocalConfigError(`${where}: ${arn} is not a Lambda function ARN`);
    if (!isLambdaInScope(arn, scope)) {
      throw new LocalConfigError(`${where}: ${arn} is not in account ${scope.accountId} and region ${scope.region}`);
    }
    if (typeof module !== 'string' || module === '') throw new LocalConfigError(`${where}: ${arn} must map to a module path`);
    lambdas.set(arn, resolve(dirname(path), module));
  }
  return lambdas;
}

/**
 * Why a settings file could not be loaded. V8's JSON errors may quote the text around the fault
 * (`..."secretAccessKey":abc}"...`), which in the principals file is likely a secret: keep only the position.
 */
function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code) return code;
  if (err instanceof SyntaxError) {
    const position = /at position (\d+)/.exec(err.message)?.[1];
    return position === undefined ? 'not valid JSON' : `not valid JSON (at position ${position})`;
  }
  return (err as Error).message;
}
