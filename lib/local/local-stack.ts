import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb';
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
import { ensureTable, startDynalite } from './dynalite';
import { hostPolicy } from './http-edge';
import { createExpirySweeper, trackDisconnections, trackRates, trackUsedTokens } from './expiry';
import { trackBans, trackHistory } from './expiring-extensions';
import { loadLocalLambdas } from './local-lambdas';
import { reconcileTable } from './reconcile';
import { ProxyHandler, Route, startRestGateway } from './rest-gateway';
import { withSessionsInMemory } from './sessions';
import { LocalConfigError, LocalSettings, readHandlerConfig } from './settings';
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
  /** Where logging configurations' destinations write chat logs: `<data dir>/logs`, or a temporary directory. */
  logsDir: string;
  /** Finishes in-flight work, then closes the gateways and the database. */
  stop(): Promise<void>;
}

const TABLE_NAME = 'ivschat';

type HandlerModule<H> = { makeHandler: (deps: Deps) => H };

/**
 * Local mode: dynalite as DynamoDB, and the REST and WebSocket gateways in front of the very handler
 * modules that CDK deploys, each `makeHandler` given the one wiring (lambdas/wiring/deps.ts) built
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
  // Kept after stop, in memory mode too, so that a chat can be read back once the server is gone.
  const logsDir = settings.dataDir ? join(settings.dataDir, 'logs') : mkdtempSync(join(tmpdir(), 'ivschat-logs-'));
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
    const { missingIndexes } = await ensureTable(db.endpoint, settings.region, TABLE_NAME);
    if (missingIndexes.length > 0) {
      logger.warn(
        'the table in the data dir was made by an older version and lacks indexes: the operations that query them fail; start with a fresh data dir to have them',
        {
          missingIndexes,
        },
      );
    }

    // dynalite ignores credentials, but the SDK refuses to sign without some.
    const doc = createDocumentClient(config, { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    // dynalite has no TTL: this process deletes expired items itself, starting with what an earlier
    // process left (its connections, expired items, drifted quota counters) before serving anything.
    const expiry = createExpirySweeper({ doc, tableName: TABLE_NAME });
    const reconciled = await reconcileTable({ doc, tableName: TABLE_NAME, sweeper: expiry, now: Date.now() });
    if (reconciled.staleConnections + reconciled.expiredItems > 0) logger.info('removed what an earlier process left', { ...reconciled });

    const sockets: ConnectionGateway = {
      post: (id, frame) => (ws ? ws.connections.post(id, frame) : Promise.resolve(false)),
      disconnect: (id) => (ws ? ws.connections.disconnect(id) : Promise.resolve()),
    };
    const wired = buildDeps(config, {
      doc,
      gateway: sockets,
      reviewHandlers: await loadLocalLambdas(settings.lambdas, REVIEW_TIMEOUT_MS),
      chatLogWriter: createFileChatLogWriter(logsDir, { region: settings.region, accountId: settings.accountId }),
      chatLogSettle: 'queued',
    });
    const { chatLog } = wired;
    const historyStore = trackHistory(wired.historyStore, expiry);
    const deps: Deps = {
      ...wired,
      // Every route runs in this process, so the connection records it writes can be kept in memory:
      // fan-out reads a room's connections without an index query (see withMemoryCache), and the
      // session sweeper finds expired sessions without one (see withSessionsInMemory).
      connections: withSessionsInMemory(withMemoryCache(wired.connections)),
      disconnections: trackDisconnections(wired.disconnections, expiry),
      rates: trackRates(wired.rates, expiry),
      usedTokens: trackUsedTokens(wired.usedTokens, expiry),
      bans: trackBans(wired.bans, expiry),
      historyStore,
      history: createHistory({ store: historyStore, retentionMs: wired.history.retentionMs }),
    };
    const hosts = hostPolicy(settings.host, settings.allowedHosts);
    const load = async <H>(path: string): Promise<H> => ((await import(path)) as HandlerModule<H>).makeHandler(deps);

    const routes = await Promise.all(
      OPERATIONS.map(async (operation): Promise<Route> => ({
        operation,
        handler: await load<ProxyHandler>(`../../lambdas/control-plane/${operation.module}`),
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
            connect: await load<WsProxyHandler>('../../lambdas/messaging/connect'),
            disconnect: await load<WsProxyHandler>('../../lambdas/messaging/disconnect'),
            default: await load<WsProxyHandler>('../../lambdas/messaging/default'),
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

    const endExpiredSessions = await load<() => Promise<unknown>>('../../lambdas/messaging/end-expired-sessions');
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
    throw err;
  }
}
