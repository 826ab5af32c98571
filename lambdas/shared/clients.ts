import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createChatLog } from '../core/chat-log';
import type { MessagingDeps } from '../core/messaging';
import { createConnectionStore } from '../data/connections';
import { LoggingConfigurationStore, createLoggingConfigurationStore } from '../data/logging-configurations';
import { LoggingReferenceStore, createLoggingReferenceStore } from '../data/logging-references';
import { createQuotaCounter } from '../data/quotas';
import { createRateCounter } from '../data/rate-counters';
import { createRoomStore } from '../data/rooms';
import { TagStore, createTagStore } from '../data/tags';
import { createUsedTokenStore } from '../data/used-tokens';
import { isInScope, parseArn } from '../domain/arn';
import { TokenKeySet, TokenTiming, parseTokenKeySet } from '../domain/chat-token';
import { systemIdClock } from '../domain/ids';
import { createAwsChatLogWriter } from './chat-log-writer';
import { Config, config } from './config';
import { ConnectionGateway, createManagementApiGateway } from './connection-gateway';
import { ENV } from './env';
import { createLambdaInvoker } from './review-handler-invoker';

/** What the handlers work with: stores, the connection gateway, keys, clock. Tests build their own. */
export interface Deps extends MessagingDeps {
  tags: TagStore;
  loggingConfigurations: LoggingConfigurationStore;
  loggingReferences: LoggingReferenceStore;
  tokenTiming: TokenTiming;
}

/**
 * The DynamoDB document client, built from config. `undefined` members are dropped, never stored.
 * `convertClassInstanceToMap`: the marshaller spots plain objects by `constructor.name`, so a caller's
 * map with a key named `constructor` (a valid tag key) was refused as a class instance, a 500.
 */
export function createDocumentClient(cfg: Config): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: cfg.region, ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
}

/** Builds the production dependencies from a configuration. */
export function buildDeps(cfg: Config): Deps {
  const doc = createDocumentClient(cfg);
  const { tableName } = cfg;
  const scope = { region: cfg.region, accountId: cfg.accountId };
  const loggingConfigurations = createLoggingConfigurationStore({
    doc,
    tableName,
    inScope: (arn) => isInScope(parseArn(arn), scope),
    quota: createQuotaCounter({ doc, tableName, name: 'logging-configurations', limit: cfg.maxLoggingConfigurations }),
  });
  return {
    scope,
    idClock: systemIdClock,
    rooms: createRoomStore({
      doc,
      tableName,
      quota: createQuotaCounter({ doc, tableName, name: 'rooms', limit: cfg.maxRooms }),
    }),
    tags: createTagStore({ doc, tableName }),
    loggingConfigurations,
    loggingReferences: createLoggingReferenceStore({ doc, tableName }),
    connections: createConnectionStore({ doc, tableName }),
    usedTokens: createUsedTokenStore({ doc, tableName }),
    rates: createRateCounter({ doc, tableName }),
    gateway: cfg.connectionsEndpoint ? createManagementApiGateway({ endpoint: cfg.connectionsEndpoint, region: cfg.region }) : noConnections,
    tokenKeys: tokenKeysFrom(cfg),
    reviewHandlers: createLambdaInvoker({ region: cfg.region }),
    // A Lambda function may be frozen once its handler returns: records are written before it does.
    chatLog: createChatLog({
      configurations: loggingConfigurations,
      writer: createAwsChatLogWriter({ region: cfg.region, scope }),
      settle: 'written',
    }),
    tokenTiming: { tokenLifetimeMs: cfg.tokenLifetimeMs, sessionMinuteMs: cfg.sessionMinuteMs },
  };
}

/**
 * Without an @connections endpoint a process can reach no socket. That is a configuration fault
 * (CDK wires the endpoint into every function that posts), so it fails loudly. It must not answer
 * "gone", which would make a fan-out delete the records of live connections.
 */
const noConnections: ConnectionGateway = {
  post: () => Promise.reject(new Error(`${ENV.connectionsEndpoint} is not set: this function cannot reach connections`)),
  disconnect: () => Promise.reject(new Error(`${ENV.connectionsEndpoint} is not set: this function cannot reach connections`)),
};

/**
 * The chat-token keys: from IVSCHAT_TOKEN_KEYS (local mode), or fetched once from Secrets Manager
 * (AWS) on first use, so functions that never touch tokens need no key material. A failed fetch is
 * not remembered: the next request tries again.
 */
function tokenKeysFrom(cfg: Config): () => Promise<TokenKeySet> {
  if (cfg.tokenKeys) {
    const keys = Promise.resolve(parseTokenKeySet(cfg.tokenKeys));
    return () => keys;
  }
  const secretArn = cfg.tokenKeysSecretArn;
  if (!secretArn) {
    return () => Promise.reject(new Error(`neither ${ENV.tokenKeys} nor ${ENV.tokenKeysSecretArn} is set: this function cannot mint or open chat tokens`));
  }
  const client = new SecretsManagerClient({ region: cfg.region });
  let loading: Promise<TokenKeySet> | undefined;
  let loadedAt = 0;
  return () => {
    // Re-read after a while so that every warm container sees a rotation (README: the steps of a
    // rotation are spaced by more than this).
    if (loading && Date.now() - loadedAt > TOKEN_KEYS_MAX_AGE_MS) loading = undefined;
    if (!loading) {
      loadedAt = Date.now();
      loading = client
        .send(new GetSecretValueCommand({ SecretId: secretArn }))
        .then((out) => parseTokenKeySet(out.SecretString ?? ''))
        .catch((err: unknown) => {
          loading = undefined;
          throw err;
        });
    }
    return loading;
  };
}

/** How long a container trusts the token keys it read from Secrets Manager. */
export const TOKEN_KEYS_MAX_AGE_MS = 5 * 60_000;

let shared: Deps | undefined;

/** The dependencies every handler of this process shares: one client, built on first use. */
export function defaultDeps(): Deps {
  shared ??= buildDeps(config());
  return shared;
}
