import { OPERATIONS } from '../../lambdas/control-plane/operations';
import { ENV } from '../../lambdas/shared/env';
import { ensureTable, startDynalite } from './dynalite';
import { ProxyHandler, Route, startRestGateway } from './rest-gateway';
import { LocalConfigError, LocalSettings } from './settings';

export interface LocalStack {
  apiUrl: string;
  /** Finishes in-flight requests, then closes the gateway and the database. */
  stop(): Promise<void>;
}

const TABLE_NAME = 'ivschat';

/**
 * Local mode: dynalite as DynamoDB, and the REST gateway in front of the very handler modules that
 * CDK deploys. Handlers read their configuration from the environment, as on Lambda, so this sets
 * it before loading them.
 */
export async function startLocalStack(settings: LocalSettings): Promise<LocalStack> {
  const db = await startDynalite(settings.dataDir);
  try {
    Object.assign(process.env, {
      [ENV.region]: settings.region,
      [ENV.accountId]: settings.accountId,
      [ENV.tableName]: TABLE_NAME,
      [ENV.dynamodbEndpoint]: db.endpoint,
    });
    // dynalite ignores credentials, but the SDK refuses to sign without some.
    process.env.AWS_ACCESS_KEY_ID ||= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
    await ensureTable(db.endpoint, settings.region, TABLE_NAME).catch((err: Error) => {
      if (/lock/i.test(err.message)) throw new LocalConfigError(`data dir ${settings.dataDir} is in use by another process`);
      throw err;
    });
    const routes = await Promise.all(
      OPERATIONS.map(async (operation): Promise<Route> => {
        const module = (await import(`../../lambdas/control-plane/${operation.module}`)) as { handler: ProxyHandler };
        return { operation, handler: module.handler };
      }),
    );
    const api = await startRestGateway({
      host: settings.host,
      port: settings.apiPort,
      region: settings.region,
      accountId: settings.accountId,
      principals: settings.principals,
      routes,
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new LocalConfigError(`port ${settings.apiPort} on ${settings.host} is in use`);
      if (err.code === 'EADDRNOTAVAIL') throw new LocalConfigError(`cannot listen on ${settings.host}: no such local address`);
      throw err;
    });
    return {
      apiUrl: api.url,
      stop: async () => {
        await api.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
