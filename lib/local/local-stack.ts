import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENT_TRANSLATION } from '../../lambdas/adapters/dynamodb';
import { OPERATIONS, OPERATION_RATES } from '../../lambdas/control-plane/operations';
import type { Deps } from '../../lambdas/core/deps';
import type { ConnectionGateway } from '../../lambdas/core/ports';
import { REVIEW_TIMEOUT_MS } from '../../lambdas/domain/review';
import type { Config } from '../../lambdas/shared/config';
import { logger } from '../../lambdas/shared/logger';
import { buildDeps } from '../../lambdas/wiring/deps';
import { createHistory } from '../../lambdas/core/history';
import { createFileChatLogWriter } from './chat-log-files';
import { withMemoryCache } from './connection-cache';
import { InProcessDocumentClient } from './in-process-dynamodb';
import { ensureTable, startDynalite } from './dynalite';
import { hostPolicy } from './http-edge';
import { createExpirySweeper, trackDisconnections, trackRates, trackUsedTokens } from './expiry';
import { trackBans, trackHistory } from './expiring-extensions';
import { withHistoryWrittenBehind } from './history-write-behind';
import { countedInMemory } from './quota-counters';
import { QUOTA_NAMES } from '../../lambdas/data/quotas';
import { TABLE } from '../../lambdas/data/table';
import { loadLocalLambdas } from './local-lambdas';
import { reconcileTable } from './reconcile';
import { ProxyHandler, Route, startRestGateway } from './rest-gateway';
import { withSessionsInMemory } from './sessions';
import { usedTokensInMemory } from './used-tokens';
import {
  createTableWatch,
  withBansInMemory,
  withConnectionRecordsInMemory,
  withDisconnectionsInMemory,
  withRatesInMemory,
  withRoomsInMemory,
} from './table-cache';
import { LOCAL_ENV, LocalConfigError, LocalSettings, readHandlerConfig } from './settings';
import { loadOrCreateTokenKeys } from './token-keys';
import { createUnsignedRoutes } from './unsigned-routes';
import { RunningWsGateway, WsProxyHandler, startWsGateway } from './ws-gateway';

export interface LocalStack {
  apiUrl: string;
  wsUrl: string;
  /** The @connections management API of the WebSocket gateway, for a user's own backend. */
  connectionsEndpoint: string;
  /** dynalite's endpoint, for looking at the table with any DynamoDB client. */
  dynamodbEndpoint: string;
  /**
   * Where logging configurations' destinations write chat logs: `<data dir>/logs`, or a directory
   * under the system's temporary one; made when a room first logs, so it may not exist yet.
   */
  logsDir: string;
  /** Finishes in-flight work, then closes the gateways and the database. */
  stop(): Promise<void>;
}

const TABLE_NAME = 'ivschat';
/** A directory under the shared temporary one: this user's only. */
const PRIVATE_DIR_MODE = 0o700;

type HandlerModule<H> = { makeHandler: (deps: Deps) => H };

/**
 * Local mode: dynalite as DynamoDB (reached in-process by the handlers, over HTTP by anything else),
 * and the REST and WebSocket gateways in front of the very handler modules that CDK deploys, each `makeHandler` given the one wiring (lambdas/wiring/deps.ts) built
 * from the handlers' configuration with local adapters in place of the AWS ones. The connection
 * gateway: the WebSocket gateway's in-process adapter instead of the @connections HTTP client, with
 * the same semantics, because the SDK round trip would dominate the local hot path. Rooms' message
 * review handlers are the local modules of IVSCHAT_LAMBDAS_FILE, not Lambda. And chat logs go to
 * files under the logs directory instead of S3, CloudWatch Logs and Firehose; this process keeps
 * running, so they are written in the background (and flushed on stop). Nothing is written to
 * `process.env`, so several stacks can run in one process (as the tests do).
 */
export async function startLocalStack(
  settings: LocalSettings,
  /** Where the handlers' settings are read (IVSCHAT_MAX_ROOMS, ...): the process's environment unless given. */
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<LocalStack> {
  const handlerConfig = readHandlerConfig(options.env ?? process.env);
  const db = await startDynalite(settings.dataDir);
  // Kept after stop, in memory mode too, so that a chat can be read back once the server is gone;
  // only named here, so that a start whose rooms never log (or that fails) leaves no empty directory.
  // The random name, as mkdtemp's, cannot be guessed and made by someone else first.
  const logsDir = settings.dataDir ? join(settings.dataDir, 'logs') : join(tmpdir(), `ivschat-logs-${randomBytes(8).toString('hex')}`);
  let ws: RunningWsGateway | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  try {
    const config: Config = {
      ...handlerConfig,
      region: settings.region,
      accountId: settings.accountId,
      tableName: TABLE_NAME,
      dynamodbEndpoint: db.endpoint,
      tokenKeys: loadOrCreateTokenKeys(settings.dataDir),
    };
    // Sessions that end are found in memory (sessions.ts), so nothing here queries the expiry index:
    // without it a held connection's record has no index entry there (about 0.4 KiB of memory each).
    const { missingIndexes } = await ensureTable(db.endpoint, settings.region, TABLE_NAME, [TABLE.indexes.connectionsByExpiry.indexName]);
    if (missingIndexes.length > 0) {
      logger.warn(
        'the table in the data dir was made by an older version and lacks indexes: the operations that query them fail; start with a fresh data dir to have them',
        {
          missingIndexes,
        },
      );
    }

    // The handlers reach dynalite in this process (no HTTP, no signing), and every write they make
    // is reported to the caches over the table, as are writes that come in through the endpoint.
    const watch = createTableWatch();
    db.onExternalWrite(() => watch.written('all'));
    const doc = new InProcessDocumentClient(db.engine, settings.region, DOCUMENT_TRANSLATION, watch.written);
    // dynalite has no TTL: this process deletes expired items itself, starting with what an earlier
    // process left (its connections, expired items, drifted quota counters) before serving anything.
    const expiry = createExpirySweeper({ doc, tableName: TABLE_NAME });
    const reconciled = await reconcileTable({ doc, tableName: TABLE_NAME, sweeper: expiry, now: Date.now() });
    if (reconciled.staleConnections + reconciled.expiredItems > 0) logger.info('removed what an earlier process left', { ...reconciled });

    const sockets: ConnectionGateway = {
      post: (id, frame) => (ws ? ws.connections.post(id, frame) : Promise.resolve(false)),
      postNow: (id, frame) => ws?.connections.postNow?.(id, frame) ?? false,
      disconnect: (id) => (ws ? ws.connections.disconnect(id) : Promise.resolve()),
    };
    const wired = buildDeps(config, {
      doc,
      gateway: sockets,
      reviewHandlers: await loadLocalLambdas(settings.lambdas, REVIEW_TIMEOUT_MS),
      chatLogWriter: createFileChatLogWriter(
        logsDir,
        { region: settings.region, accountId: settings.accountId },
        settings.dataDir ? undefined : PRIVATE_DIR_MODE,
      ),
      chatLogSettle: 'queued',
      quotaCounter: (name, limit) =>
        countedInMemory(limit, name === QUOTA_NAMES.rooms ? reconciled.rooms : reconciled.loggingConfigurations),
    });
    const { chatLog } = wired;
    // In memory, history is written behind in batches (see the module); with a data dir each entry
    // is in the table before its message's handler returns, so a kill loses none.
    const writtenBehind = settings.dataDir ? undefined : withHistoryWrittenBehind(wired.historyStore);
    const historyStore = trackHistory(writtenBehind ?? wired.historyStore, expiry);
    const deps: Deps = {
      ...wired,
      // Every route runs in this process, so what it writes can be kept in memory (table-cache.ts):
      // each frame's room and connection record, and the rooms' rate windows; fan-out reads a room's
      // connections without an index query (see withMemoryCache), and the session sweeper finds
      // expired sessions without one (see withSessionsInMemory).
      rooms: withRoomsInMemory(wired.rooms, watch),
      connections: withSessionsInMemory(
        withMemoryCache(withConnectionRecordsInMemory(wired.connections, watch, settings.maxWsConnections)),
      ),
      disconnections: withDisconnectionsInMemory(trackDisconnections(wired.disconnections, expiry), watch),
      rates: withRatesInMemory(trackRates(wired.rates, expiry)),
      usedTokens: settings.dataDir ? trackUsedTokens(wired.usedTokens, expiry) : usedTokensInMemory(),
      bans: withBansInMemory(trackBans(wired.bans, expiry), watch),
      historyStore,
      history: createHistory({ store: historyStore, retentionMs: wired.history.retentionMs }),
    };
    const hosts = hostPolicy(settings.host, settings.allowedHosts);
    // A handler module by its path under lambdas/, written with its extension so that a bundler can
    // follow the pattern: the package's dist/ is one bundle holding every handler (see scripts/build-dist.ts).
    const load = async <H>(module: string): Promise<H> =>
      ((await import(`../../lambdas/${module}.ts`)) as HandlerModule<H>).makeHandler(deps);

    const routes = await Promise.all(
      OPERATIONS.map(async (operation): Promise<Route> => ({
        operation,
        handler: await load<ProxyHandler>(`control-plane/${operation.module}`),
      })),
    );
    ws = await listening(settings.host, settings.wsPort, () =>
      (async () =>
        startWsGateway({
          host: settings.host,
          port: settings.wsPort,
          region: settings.region,
          principals: settings.principals,
          hosts,
          maxConnections: settings.maxWsConnections,
          heartbeatSeconds: settings.heartbeatSeconds,
          routes: {
            connect: await load<WsProxyHandler>('messaging/connect'),
            disconnect: await load<WsProxyHandler>('messaging/disconnect'),
            default: await load<WsProxyHandler>('messaging/default'),
          },
        }))(),
    );
    // The console page learns the WebSocket and region from this unsigned config (no secrets in it).
    const consoleRoutes = createUnsignedRoutes({ region: settings.region, wsUrl: ws.url, mode: 'local' });
    const api = await listening(settings.host, settings.apiPort, () =>
      startRestGateway({
        host: settings.host,
        port: settings.apiPort,
        region: settings.region,
        accountId: settings.accountId,
        principals: settings.principals,
        routes,
        hosts,
        maxConnections: settings.maxApiConnections,
        serveUnsigned: consoleRoutes,
        ...(settings.enforceQuotas ? { operationRates: OPERATION_RATES } : {}),
      }),
    );

    const endExpiredSessions = await load<() => Promise<unknown>>('messaging/end-expired-sessions');
    // One sweep at a time: a tick that finds the last one still running skips, so none pile up.
    let sweeping: Promise<void> | undefined;
    const sweep = async () => {
      await endExpiredSessions().catch((err: unknown) => logger.warn('session sweep failed', { error: err as Error }));
      await expiry.sweep(Date.now()).catch((err: unknown) => logger.warn('expiry sweep failed', { error: err as Error }));
    };
    sweeper = setInterval(() => {
      sweeping ??= sweep().finally(() => (sweeping = undefined));
    }, settings.sweepIntervalMs);

    const running = ws;
    return {
      apiUrl: api.url,
      wsUrl: running.url,
      connectionsEndpoint: running.connectionsEndpoint,
      dynamodbEndpoint: db.endpoint,
      logsDir,
      stop: async () => {
        clearInterval(sweeper);
        await sweeping;
        await running.close();
        await api.close();
        await writtenBehind?.flush();
        await chatLog.flush();
        doc.destroy();
        await db.close();
      },
    };
  } catch (err) {
    clearInterval(sweeper);
    await ws?.close();
    await db.close();
    throw err;
  }
}

/** Starts a server, turning the usual listen failures into one-line configuration errors. */
async function listening<T>(host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new LocalConfigError(`port ${port} on ${host} is in use`);
    if (code === 'EADDRNOTAVAIL') throw new LocalConfigError(`cannot listen on ${host}: no such local address`);
    // A name that does not resolve (offline, the resolver answers EAI_AGAIN instead).
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new LocalConfigError(`cannot listen on ${host} (${LOCAL_ENV.host}): the name does not resolve (${code})`);
    }
    throw err;
  }
}
