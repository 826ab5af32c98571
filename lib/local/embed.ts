import { ENV } from '../../lambdas/shared/env';
import { logger } from '../../lambdas/shared/logger';
import { startLocalStack } from './local-stack';
import { LOCAL_ENV, LOG_LEVELS, LocalConfigError, LogLevel, readLocalSettings } from './settings';

/** Powertools' levels, most verbose first. */
export type { LogLevel };

/**
 * The settings of one local service started in-process: the environment variables of `npm start` /
 * `npx ivschat start`, one option each (the variable named on each). startLocal reads no environment
 * variables itself, so what a test passes is all that applies. Two defaults differ from the CLI's:
 * both ports are free ones (0), and the log level is WARN.
 */
export interface StartLocalOptions {
  /** IVSCHAT_HOST: the address both listeners bind (default 127.0.0.1). */
  host?: string;
  /** IVSCHAT_API_PORT: the control plane's port (default 0: a free one; see controlPlaneUrl). */
  apiPort?: number;
  /** IVSCHAT_WS_PORT: the messaging WebSocket's port (default 0: a free one; see messagingUrl). */
  wsPort?: number;
  /** AWS_REGION: the region ARNs name and requests are signed for (default us-east-1). */
  region?: string;
  /** IVSCHAT_ACCOUNT_ID: the 12-digit account of the ARNs (default 000000000000). */
  accountId?: string;
  /** IVSCHAT_DATA_DIR: where the table and token keys are kept across restarts (default: in memory). One instance at a time per directory. */
  dataDir?: string;
  /** IVSCHAT_PRINCIPALS_FILE: `{"principals":[{accessKeyId, secretAccessKey, allow}]}` (default: test / test, allowed everything). */
  principalsFile?: string;
  /** IVSCHAT_LAMBDAS_FILE: `{"<function ARN>": "./module.mjs"}`, the rooms' message review handlers. */
  lambdasFile?: string;
  /** IVSCHAT_ALLOWED_HOSTS: Host names requests may name besides the listen address and localhost; `['*']`: any. */
  allowedHosts?: string[];
  /** IVSCHAT_MAX_WS_CONNECTIONS: concurrent connections on the WebSocket port. */
  maxWsConnections?: number;
  /** IVSCHAT_MAX_API_CONNECTIONS: concurrent connections on the control-plane port (default 512). */
  maxApiConnections?: number;
  /** IVSCHAT_WS_HEARTBEAT_SECONDS: seconds between the WebSocket gateway's pings (default 30). */
  heartbeatSeconds?: number;
  /** IVSCHAT_SWEEP_INTERVAL_MS: how often expired sessions and items are removed (default 1000). */
  sweepIntervalMs?: number;
  /** IVSCHAT_ENFORCE_QUOTAS: IVS's per-operation rates enforced, answered ThrottlingException (default false). */
  enforceQuotas?: boolean;
  /** IVSCHAT_MAX_ROOMS: rooms before CreateRoom answers ServiceQuotaExceededException (default 50000). */
  maxRooms?: number;
  /** IVSCHAT_MAX_LOGGING_CONFIGURATIONS: logging configurations before the quota error (default 10). */
  maxLoggingConfigurations?: number;
  /** IVSCHAT_TOKEN_LIFETIME_MS: how long a chat token may be used to connect (default 60000). */
  tokenLifetimeMs?: number;
  /** IVSCHAT_SESSION_MINUTE_MS: the length of one minute of sessionDurationInMinutes (default 60000). */
  sessionMinuteMs?: number;
  /** IVSCHAT_HISTORY_HOURS: hours ListMessages lists a room's messages (default 24; 0: none). */
  historyHours?: number;
  /** IVSCHAT_HISTORY_HOUR_MS: the length of one hour of history (default 3600000). */
  historyHourMs?: number;
  /** IVSCHAT_BAN_MINUTE_MS: the length of one minute of a ban's durationInMinutes (default 60000). */
  banMinuteMs?: number;
  /**
   * POWERTOOLS_LOG_LEVEL: the handlers' log level (default WARN). The logger is one per process:
   * instances running at the same time must agree (a different level is refused), and an instance
   * that names none takes the one in force.
   */
  logLevel?: LogLevel;
}

type EnvOption = Exclude<keyof StartLocalOptions, 'logLevel'>;

/**
 * Each option's environment variable: the one place options become settings, so an option is
 * parsed and checked exactly as the variable is (lib/local/settings.ts, lambdas/shared/config.ts).
 */
export const OPTION_ENV: Readonly<Record<EnvOption, string>> = {
  host: LOCAL_ENV.host,
  apiPort: LOCAL_ENV.apiPort,
  wsPort: LOCAL_ENV.wsPort,
  region: LOCAL_ENV.region,
  accountId: LOCAL_ENV.accountId,
  dataDir: LOCAL_ENV.dataDir,
  principalsFile: LOCAL_ENV.principalsFile,
  lambdasFile: LOCAL_ENV.lambdasFile,
  allowedHosts: LOCAL_ENV.allowedHosts,
  maxWsConnections: LOCAL_ENV.maxWsConnections,
  maxApiConnections: LOCAL_ENV.maxApiConnections,
  heartbeatSeconds: LOCAL_ENV.heartbeatSeconds,
  sweepIntervalMs: LOCAL_ENV.sweepIntervalMs,
  enforceQuotas: LOCAL_ENV.enforceQuotas,
  maxRooms: ENV.maxRooms,
  maxLoggingConfigurations: ENV.maxLoggingConfigurations,
  tokenLifetimeMs: ENV.tokenLifetimeMs,
  sessionMinuteMs: ENV.sessionMinuteMs,
  historyHours: ENV.historyHours,
  historyHourMs: ENV.historyHourMs,
  banMinuteMs: ENV.banMinuteMs,
};

/** The environment `npm start` would need for these options. */
export function optionsToEnv(options: StartLocalOptions): Record<string, string> {
  const env: Record<string, string> = { [LOCAL_ENV.apiPort]: '0', [LOCAL_ENV.wsPort]: '0' };
  for (const [option, value] of Object.entries(options)) {
    if (value === undefined || option === 'logLevel') continue;
    const name = OPTION_ENV[option as EnvOption];
    if (!name)
      throw new LocalConfigError(`startLocal: unknown option ${option}; the options: ${Object.keys(OPTION_ENV).join(', ')}, logLevel`);
    env[name] = Array.isArray(value) ? value.join(',') : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return env;
}

/** A local IVS Chat service running in this process. */
export interface LocalChat {
  /** The IvschatClient `endpoint` (SigV4, service ivschat). */
  controlPlaneUrl: string;
  /** The ChatRoom `regionOrUrl`: the messaging WebSocket. */
  messagingUrl: string;
  region: string;
  accountId: string;
  /** Keys this service accepts: the first principal of the principals file, else test / test. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The @connections management API of the WebSocket gateway, as API Gateway has on AWS. */
  connectionsEndpoint: string;
  /** The DynamoDB endpoint (dynalite) holding the table `ivschat`, for looking at the data. */
  dynamodbEndpoint: string;
  /** Where logging configurations' destinations write chat logs (kept after stop). */
  logsDir: string;
  /** Finishes in-flight requests, then closes the listeners and the database. Safe to call twice. */
  stop(): Promise<void>;
}

/** The running instances' log level: the logger is shared, its level set by the first to start. */
const logLevels = { running: 0, level: undefined as LogLevel | undefined };

function claimLogLevel(wanted: LogLevel | undefined): void {
  if (wanted !== undefined && !LOG_LEVELS.includes(wanted)) {
    throw new LocalConfigError(`startLocal: logLevel must be one of ${LOG_LEVELS.join(', ')}, got '${String(wanted)}'`);
  }
  if (logLevels.running > 0 && wanted !== undefined && wanted !== logLevels.level) {
    throw new LocalConfigError(
      `startLocal: logLevel ${wanted} differs from the ${logLevels.level} of the instance(s) already running in this process; the handlers' logger is one per process`,
    );
  }
  if (logLevels.running === 0) {
    logLevels.level = wanted ?? 'WARN';
    logger.setLogLevel(logLevels.level);
  }
  logLevels.running += 1;
}

/**
 * Starts the whole local service (control plane, messaging WebSocket, dynalite) inside this process,
 * as `npx ivschat start` does in its own: for a test suite's setup. Each call is a separate service
 * with its own ports, its own data (in memory unless `dataDir`) and its own token keys; any number
 * may run at once. Rejects with a LocalConfigError (one line) for an unusable option.
 */
export async function startLocal(options: StartLocalOptions = {}): Promise<LocalChat> {
  const env = optionsToEnv(options);
  const settings = readLocalSettings(env);
  claimLogLevel(options.logLevel);
  const stack = await startLocalStack(settings, { env }).catch((err: unknown) => {
    logLevels.running -= 1;
    throw err;
  });
  const { apiUrl, wsUrl, connectionsEndpoint, dynamodbEndpoint, logsDir } = stack;
  const { accessKeyId, secretAccessKey } = settings.principals[0]!;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= stack.stop().finally(() => {
      logLevels.running -= 1;
    }));
  const { region, accountId } = settings;
  const credentials = { accessKeyId, secretAccessKey };
  return {
    controlPlaneUrl: apiUrl,
    messagingUrl: wsUrl,
    region,
    accountId,
    credentials,
    connectionsEndpoint,
    dynamodbEndpoint,
    logsDir,
    stop,
  };
}

export { LocalConfigError };
