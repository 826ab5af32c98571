/**
 * Names of the environment variables the handlers read. Names only, no reads: CDK constructs import
 * this module to set the same variables on the functions, so it must stay free of side effects.
 */
export const ENV = {
  region: 'AWS_REGION',
  accountId: 'IVSCHAT_ACCOUNT_ID',
  tableName: 'IVSCHAT_TABLE_NAME',
  /** Unset on AWS; local mode points it at dynalite. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Rooms per account and region before CreateRoom answers ServiceQuotaExceededException. */
  maxRooms: 'IVSCHAT_MAX_ROOMS',
  /** Logging configurations per account and region (AWS: 10) before CreateLoggingConfiguration answers ServiceQuotaExceededException. */
  maxLoggingConfigurations: 'IVSCHAT_MAX_LOGGING_CONFIGURATIONS',
  /** The chat-token key set as JSON: `{"current":"kid","keys":{"kid":"<base64url, 32 bytes>"}}`. */
  tokenKeys: 'IVSCHAT_TOKEN_KEYS',
  /** On AWS: the Secrets Manager secret holding that key set (read on first use, then again every 5 minutes). */
  tokenKeysSecretArn: 'IVSCHAT_TOKEN_KEYS_SECRET_ARN',
  /** Base URL of the WebSocket stage's @connections API (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`). */
  connectionsEndpoint: 'IVSCHAT_CONNECTIONS_ENDPOINT',
  /** How long a chat token may be used to connect (AWS: one minute). Shorter only for tests. */
  tokenLifetimeMs: 'IVSCHAT_TOKEN_LIFETIME_MS',
  /** Length of one "minute" of sessionDurationInMinutes. Shorter only for tests of session expiry. */
  sessionMinuteMs: 'IVSCHAT_SESSION_MINUTE_MS',
  /** Hours a room's messages stay listed by ListMessages (default 24); 0 keeps no history. */
  historyHours: 'IVSCHAT_HISTORY_HOURS',
  /** Length of one hour of history retention. Shorter only for tests of retention. */
  historyHourMs: 'IVSCHAT_HISTORY_HOUR_MS',
  /** Length of one minute of a ban's durationInMinutes. Shorter only for tests of bans ending. */
  banMinuteMs: 'IVSCHAT_BAN_MINUTE_MS',
  /** Rooms with more connections than this are delivered in shards through the shard queue (AWS; default 2,000). */
  shardThreshold: 'IVSCHAT_SHARD_THRESHOLD',
  /** On AWS: the FIFO queue the fan-out hands shards to; unset, every fan-out is delivered in its own invocation. */
  shardQueueUrl: 'IVSCHAT_SHARD_QUEUE_URL',
  /** On AWS: the CloudWatch namespace of the fan-out metrics (EMF); unset, metrics are counted in memory only. */
  metricsNamespace: 'IVSCHAT_METRICS_NAMESPACE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
