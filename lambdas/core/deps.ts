import type { BanStore } from '../data/bans';
import type { ConnectionStore } from '../data/connections';
import type { DisconnectionStore } from '../data/disconnections';
import type { HistoryStore } from '../data/history';
import type { LoggingConfigurationStore } from '../data/logging-configurations';
import type { LoggingReferenceStore } from '../data/logging-references';
import type { PresenceStore } from '../data/presence';
import type { RateCounter } from '../data/rate-counters';
import type { RoomStore } from '../data/rooms';
import type { TagStore } from '../data/tags';
import type { UsedTokenStore } from '../data/used-tokens';
import type { Scope } from '../domain/arn';
import type { TokenKeySet, TokenTiming } from '../domain/chat-token';
import type { IdClock } from '../domain/ids';
import type { ChatLog } from './chat-log';
import type { History } from './history';
import type { DeliveryOptions } from './delivery';
import type { ShardPlan } from './shards';
import type { ConnectionGateway, Metrics, ReviewHandlerInvoker, ShardDispatcher } from './ports';

/** How fan-outs deliver: the retry policy and its clock, and where big rooms' shards go. */
export interface FanOutSettings extends DeliveryOptions, ShardPlan {
  /** Hands shards to other invocations (SQS on AWS); none in local mode, which delivers in-process (the plan then goes unused). */
  dispatcher?: ShardDispatcher;
}

/**
 * Everything the core and the handlers work with: the stores of data/, the ports of core/ports.ts,
 * keys and clock. lambdas/wiring/deps.ts builds it once per process; each core function and each
 * handler takes only the members it uses (`Pick<Deps, ...>`), so a test builds just those.
 */
export interface Deps {
  scope: Scope;
  idClock: IdClock;
  rooms: RoomStore;
  tags: TagStore;
  loggingConfigurations: LoggingConfigurationStore;
  loggingReferences: LoggingReferenceStore;
  connections: ConnectionStore;
  /** When DisconnectUser last closed a user's connections in a room ($connect checks it after its write). */
  disconnections: DisconnectionStore;
  usedTokens: UsedTokenStore;
  rates: RateCounter;
  gateway: ConnectionGateway;
  fanOut: FanOutSettings;
  /** Fan-out and review counters: CloudWatch metrics (EMF) on AWS, in memory elsewhere. */
  metrics: Metrics;
  /** The chat-token keys; on AWS read from Secrets Manager and re-read every few minutes. */
  tokenKeys: () => Promise<TokenKeySet>;
  tokenTiming: TokenTiming;
  /** Calls rooms' message review handlers (Lambda on AWS, local modules in local mode). */
  reviewHandlers: ReviewHandlerInvoker;
  /** Where the frames of rooms with logging configurations are logged, after their fan-out. */
  chatLog: ChatLog;
  /** Extensions (docs/extensions.md): bans, presence and message history. */
  bans: BanStore;
  /** Length of one minute of a ban's duration (a real minute except in tests). */
  banMinuteMs: number;
  presence: PresenceStore;
  historyStore: HistoryStore;
  /** Where delivered frames are kept for ListMessages, after their fan-out. */
  history: History;
}
