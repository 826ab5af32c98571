import { ENV } from './env';

/** Everything the handlers need from the environment, read and checked once at cold start. */
export interface Config {
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly maxRooms: number;
}

/** AWS's documented default quota for rooms per account and region. */
const DEFAULT_MAX_ROOMS = 50_000;

/** Reads the configuration from `env`; throws with the variable's name when a value is unusable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const accountId = env[ENV.accountId] ?? '000000000000';
  if (!/^[0-9]{12}$/.test(accountId)) {
    throw new Error(`${ENV.accountId} must be 12 digits, got '${accountId}'`);
  }
  const region = env[ENV.region] ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`${ENV.region} is not a region name: '${region}'`);
  const maxRoomsText = env[ENV.maxRooms];
  const maxRooms = maxRoomsText === undefined || maxRoomsText === '' ? DEFAULT_MAX_ROOMS : Number(maxRoomsText);
  if (!Number.isInteger(maxRooms) || maxRooms < 0) {
    throw new Error(`${ENV.maxRooms} must be a whole number, got '${maxRoomsText}'`);
  }
  return Object.freeze({
    region,
    accountId,
    tableName: env[ENV.tableName] || 'ivschat',
    dynamodbEndpoint: env[ENV.dynamodbEndpoint] || undefined,
    maxRooms,
  });
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= readConfig();
  return cached;
}
