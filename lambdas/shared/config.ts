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

/** Reads the configuration from `env`; throws with the variable's name when a value is unusable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const accountId = env[ENV.accountId] ?? '000000000000';
  if (!/^[0-9]{12}$/.test(accountId)) {
    throw new Error(`${ENV.accountId} must be 12 digits, got '${accountId}'`);
  }
  const region = env[ENV.region] ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`${ENV.region} is not a region name: '${region}'`);
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
    tokenLifetimeMs: wholeNumber(env, ENV.tokenLifetimeMs, 60_000),
    sessionMinuteMs: wholeNumber(env, ENV.sessionMinuteMs, 60_000),
    historyHours: wholeNumber(env, ENV.historyHours, DEFAULT_HISTORY_HOURS),
    historyHourMs: wholeNumber(env, ENV.historyHourMs, 3_600_000),
    banMinuteMs: wholeNumber(env, ENV.banMinuteMs, 60_000),
    shardThreshold: shardThreshold(env),
    shardQueueUrl: env[ENV.shardQueueUrl] || undefined,
    metricsNamespace: env[ENV.metricsNamespace] || undefined,
  });
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got '${text}'`);
  return value;
}

function shardThreshold(env: NodeJS.ProcessEnv): number {
  const value = wholeNumber(env, ENV.shardThreshold, DEFAULT_SHARD_THRESHOLD);
  const { min, max } = SHARD_THRESHOLD_RANGE;
  if (value < min || value > max) throw new Error(`${ENV.shardThreshold} must be between ${min} and ${max}, got ${value}`);
  return value;
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= readConfig();
  return cached;
}
