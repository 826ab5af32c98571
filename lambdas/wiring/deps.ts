import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAwsChatLogWriter } from '../adapters/chat-log-writer';
import { createManagementApiGateway, noConnections } from '../adapters/connection-gateway';
import { createDocumentClient } from '../adapters/dynamodb';
import { createCountingMetrics, createEmfMetrics } from '../adapters/metrics';
import { createLambdaInvoker } from '../adapters/review-handler-invoker';
import { createSqsShardDispatcher } from '../adapters/shard-queue';
import { createSecretsManagerTokenKeys } from '../adapters/token-keys';
import { createChatLog } from '../core/chat-log';
import { DEFAULT_SHARD_SIZE } from '../core/shards';
import { createHistory } from '../core/history';
import { DEFAULT_RETRY_POLICY, systemRetryClock } from '../core/delivery';
import type { Deps, FanOutSettings } from '../core/deps';
import type { ChatLogWriter, ConnectionGateway, Metrics, ReviewHandlerInvoker } from '../core/ports';
import { createBanStore } from '../data/bans';
import { createConnectionStore } from '../data/connections';
import { createDisconnectionStore } from '../data/disconnections';
import { createHistoryStore } from '../data/history';
import { createLoggingConfigurationStore } from '../data/logging-configurations';
import { createLoggingReferenceStore } from '../data/logging-references';
import { createPresenceStore } from '../data/presence';
import { QUOTA_NAMES, QuotaCounter, QuotaName, createQuotaCounter } from '../data/quotas';
import { createRateCounter } from '../data/rate-counters';
import { createRoomStore } from '../data/rooms';
import { createTagStore } from '../data/tags';
import { createUsedTokenStore } from '../data/used-tokens';
import { isInScope, parseArn } from '../domain/arn';
import { TokenKeySet, parseTokenKeySet } from '../domain/chat-token';
import { systemIdClock } from '../domain/ids';
import { Config, config } from '../shared/config';
import { ENV } from '../shared/env';

/**
 * What a host may put in place of the AWS adapters. Local mode passes its sockets, its in-process
 * review handlers and its chat-log files; tests pass a recording DynamoDB client.
 */
export interface Adapters {
  doc: DynamoDBDocumentClient;
  gateway: ConnectionGateway;
  reviewHandlers: ReviewHandlerInvoker;
  chatLogWriter: ChatLogWriter;
  /**
   * 'written' (the default) where the process may be frozen once a handler returns (Lambda);
   * 'queued' where it keeps running (local mode): see ChatLog.record.
   */
  chatLogSettle: 'written' | 'queued';
  tokenKeys: () => Promise<TokenKeySet>;
  /** Default: EMF where a metrics namespace is configured (AWS), counters in memory elsewhere. */
  metrics: Metrics;
  /**
   * The per-account quota counters (rooms, logging configurations) by name; default: one counter
   * item each in the table. Local mode, through which every create passes, counts in memory.
   */
  quotaCounter: (name: QuotaName, limit: number) => QuotaCounter;
  /** Replaces parts of the fan-out settings: tests give a clock, a policy or an in-process dispatcher. */
  fanOut: Partial<FanOutSettings>;
}

/** The one wiring: every store, port and setting the handlers use, from a configuration and the adapters given. */
export function buildDeps(cfg: Config, adapters: Partial<Adapters> = {}): Deps {
  const doc = adapters.doc ?? createDocumentClient(cfg);
  const { tableName } = cfg;
  const scope = { region: cfg.region, accountId: cfg.accountId };
  const quota = adapters.quotaCounter ?? ((name: QuotaName, limit: number) => createQuotaCounter({ doc, tableName, name, limit }));
  const loggingConfigurations = createLoggingConfigurationStore({
    doc,
    tableName,
    inScope: (arn) => isInScope(parseArn(arn), scope),
    quota: quota(QUOTA_NAMES.loggingConfigurations, cfg.maxLoggingConfigurations),
  });
  const historyStore = createHistoryStore({ doc, tableName });
  return {
    scope,
    idClock: systemIdClock,
    rooms: createRoomStore({ doc, tableName, quota: quota(QUOTA_NAMES.rooms, cfg.maxRooms) }),
    tags: createTagStore({ doc, tableName }),
    loggingConfigurations,
    loggingReferences: createLoggingReferenceStore({ doc, tableName }),
    connections: createConnectionStore({ doc, tableName }),
    disconnections: createDisconnectionStore({ doc, tableName }),
    usedTokens: createUsedTokenStore({ doc, tableName }),
    rates: createRateCounter({ doc, tableName }),
    gateway:
      adapters.gateway ??
      (cfg.connectionsEndpoint ? createManagementApiGateway({ endpoint: cfg.connectionsEndpoint, region: cfg.region }) : noConnections),
    fanOut: {
      policy: DEFAULT_RETRY_POLICY,
      clock: systemRetryClock,
      shardThreshold: cfg.shardThreshold,
      shardSize: DEFAULT_SHARD_SIZE,
      dispatcher: cfg.shardQueueUrl ? createSqsShardDispatcher({ queueUrl: cfg.shardQueueUrl, region: cfg.region }) : undefined,
      ...adapters.fanOut,
    },
    metrics: adapters.metrics ?? (cfg.metricsNamespace ? createEmfMetrics({ namespace: cfg.metricsNamespace }) : createCountingMetrics()),
    tokenKeys: adapters.tokenKeys ?? tokenKeysFrom(cfg),
    tokenTiming: { tokenLifetimeMs: cfg.tokenLifetimeMs, sessionMinuteMs: cfg.sessionMinuteMs },
    reviewHandlers: adapters.reviewHandlers ?? createLambdaInvoker({ region: cfg.region }),
    chatLog: createChatLog({
      configurations: loggingConfigurations,
      writer: adapters.chatLogWriter ?? createAwsChatLogWriter({ region: cfg.region, scope }),
      // A Lambda function may be frozen once its handler returns: records are written before it does.
      settle: adapters.chatLogSettle ?? 'written',
    }),
    bans: createBanStore({ doc, tableName }),
    banMinuteMs: cfg.banMinuteMs,
    presence: createPresenceStore({ doc, tableName }),
    historyStore,
    history: createHistory({ store: historyStore, retentionMs: cfg.historyHours * cfg.historyHourMs }),
  };
}

/**
 * The chat-token keys: from IVSCHAT_TOKEN_KEYS when set, else from the Secrets Manager secret (AWS),
 * fetched on first use, so functions that never touch tokens need no key material.
 */
function tokenKeysFrom(cfg: Config): () => Promise<TokenKeySet> {
  if (cfg.tokenKeys) {
    const keys = Promise.resolve(parseTokenKeySet(cfg.tokenKeys));
    return () => keys;
  }
  if (!cfg.tokenKeysSecretArn) {
    return () =>
      Promise.reject(
        new Error(`neither ${ENV.tokenKeys} nor ${ENV.tokenKeysSecretArn} is set: this function cannot mint or open chat tokens`),
      );
  }
  return createSecretsManagerTokenKeys({ region: cfg.region, secretArn: cfg.tokenKeysSecretArn });
}

let shared: Deps | undefined;

/** The dependencies every handler of this Lambda process shares, built on first use from the environment. */
export function defaultDeps(): Deps {
  shared ??= buildDeps(config());
  return shared;
}

/**
 * A handler module's Lambda entry point: the handler `makeHandler` builds over the production
 * wiring, built on the first event, and the metrics it counted published after each event. Importing a handler module therefore builds nothing, so local
 * mode and tests that import `makeHandler` never build a second, unused handler.
 */
export function lambdaEntry<H extends (...args: never[]) => unknown>(makeHandler: (deps: Deps) => H): H {
  let built: H | undefined;
  const entry = async (...args: Parameters<H>) => {
    const deps = defaultDeps();
    built ??= makeHandler(deps);
    try {
      return await built(...args);
    } finally {
      // One EMF line per invocation with what it counted, before Lambda may freeze the process.
      deps.metrics.publish();
    }
  };
  return entry as H;
}
