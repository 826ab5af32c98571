import { isCorsOrigin } from './cors';
import { ENV } from './env';

/** Everything the handlers need from the environment, read and checked once at cold start. */
export interface Config {
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly maxRooms: number;
  readonly maxLoggingConfigurations: number;
  /** JSON key set for chat tokens; unset where the process mints and opens no tokens. */
  readonly tokenKeys: string | undefined;
  readonly tokenKeysSecretArn: string | undefined;
  readonly connectionsEndpoint: string | undefined;
  readonly tokenLifetimeMs: number;
  readonly sessionMinuteMs: number;
  /** Hours of message history (0: none). */
  readonly historyHours: number;
  readonly historyHourMs: number;
  readonly banMinuteMs: number;
  readonly shardThreshold: number;
  readonly shardQueueUrl: string | undefined;
  readonly metricsNamespace: string | undefined;
}

/** Rooms above this many connections go out in shards: ~1.5 s of posts at 32 in flight, 20 ms each. */
export const DEFAULT_SHARD_THRESHOLD = 2_000;
/** Below, a queue hop costs more than it saves; above, one invocation's own fan-out takes seconds (5,000 / 32 x 20 ms = 3 s). */
export const SHARD_THRESHOLD_RANGE = { min: 100, max: 5_000 } as const;

/** AWS's documented default quota for rooms per account and region. */
const DEFAULT_MAX_ROOMS = 50_000;
/** AWS's default quota of logging configurations per account and region. */
const DEFAULT_MAX_LOGGING_CONFIGURATIONS = 10;

/** How long ListMessages lists a message unless configured otherwise. */
const DEFAULT_HISTORY_HOURS = 24;

/**
 * AWS region names: `us-east-1`, `cn-north-1`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`.
 */
const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]+-\d{1,2}$/;

/**
 * The shortest token lifetime and unit of a session, ban or history hour: shorter ones are for tests,
 * and below a second a token expires before a client can use it (0 would end everything at once).
 */
const MIN_DURATION_MS = 1_000;

/** Reads the configuration from `env`; throws with the variable's name when a value is unusable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const accountId = env[ENV.accountId] ?? '000000000000';
  if (!/^[0-9]{12}$/.test(accountId)) {
    throw new Error(`${ENV.accountId} must be 12 digits, got '${accountId}'`);
  }
  const region = env[ENV.region] ?? 'us-east-1';
  // A name that is not a region would be accepted everywhere and only fail later, as a credential
  // scope no client signs for.
  if (!REGION_PATTERN.test(region)) throw new Error(`${ENV.region} is not a region name (like us-east-1 or us-gov-west-1): '${region}'`);
  return Object.freeze({
    region,
    accountId,
    tableName: env[ENV.tableName] || 'ivschat',
    dynamodbEndpoint: env[ENV.dynamodbEndpoint] || undefined,
    maxRooms: wholeNumber(env, ENV.maxRooms, DEFAULT_MAX_ROOMS),
    maxLoggingConfigurations: wholeNumber(env, ENV.maxLoggingConfigurations, DEFAULT_MAX_LOGGING_CONFIGURATIONS),
    tokenKeys: env[ENV.tokenKeys] || undefined,
    tokenKeysSecretArn: env[ENV.tokenKeysSecretArn] || undefined,
    connectionsEndpoint: env[ENV.connectionsEndpoint] || undefined,
    tokenLifetimeMs: durationMs(env, ENV.tokenLifetimeMs, 60_000),
    sessionMinuteMs: durationMs(env, ENV.sessionMinuteMs, 60_000),
    historyHours: wholeNumber(env, ENV.historyHours, DEFAULT_HISTORY_HOURS),
    historyHourMs: durationMs(env, ENV.historyHourMs, 3_600_000),
    banMinuteMs: durationMs(env, ENV.banMinuteMs, 60_000),
    shardThreshold: shardThreshold(env),
    shardQueueUrl: env[ENV.shardQueueUrl] || undefined,
    metricsNamespace: env[ENV.metricsNamespace] || undefined,
  });
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = digitsOnly(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be a whole number, got '${text}'`);
  return value;
}

function shardThreshold(env: NodeJS.ProcessEnv): number {
  const value = wholeNumber(env, ENV.shardThreshold, DEFAULT_SHARD_THRESHOLD);
  const { min, max } = SHARD_THRESHOLD_RANGE;
  if (value < min || value > max) throw new Error(`${ENV.shardThreshold} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function durationMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = wholeNumber(env, name, fallback);
  if (value < MIN_DURATION_MS) throw new Error(`${name} must be at least ${MIN_DURATION_MS} (milliseconds: 1 s), got '${env[name]}'`);
  return value;
}

/** The number `text` spells in decimal digits, else NaN: Number() would also take ' 5', '0x10' and '1e3'. */
export const digitsOnly = (text: string): number => (/^\d+$/.test(text) ? Number(text) : NaN);

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= readConfig();
  return cached;
}

/** `ENV.corsAllowOrigin` from `env`: undefined when unset; throws with the variable's name when it is not `*` or an origin. */
export function readCorsAllowOrigin(env: NodeJS.ProcessEnv): string | undefined {
  const origin = env[ENV.corsAllowOrigin];
  if (origin === undefined || origin === '') return undefined;
  if (!isCorsOrigin(origin))
    throw new Error(`${ENV.corsAllowOrigin} must be * or an origin such as https://console.example.com, got '${origin}'`);
  return origin;
}

let corsOrigin: { value: string | undefined } | undefined;

/**
 * The origin control-plane answers allow, read on first use. Apart from config(): every handler's
 * HTTP wrapper needs it, including local mode's, which builds its handlers' configuration from its
 * own settings and never calls config().
 */
export function corsAllowOrigin(): string | undefined {
  corsOrigin ??= { value: readCorsAllowOrigin(process.env) };
  return corsOrigin.value;
}
