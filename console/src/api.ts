import { IvschatClient } from '@aws-sdk/client-ivschat';
import { executeApiIvschatClient } from '../../lib/client/execute-api';
import { IvschatExtensionsClient } from '../../lib/client/extensions';
import { byId } from './dom';
import { describeError } from './text';

/** Where the control plane and the messaging WebSocket are, and whom to sign as. */
export interface Connection {
  apiUrl: string;
  wsUrl: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The SigV4 service name: `ivschat` as the SDK signs (local mode), `execute-api` for a deployed API Gateway. */
  signingName: 'ivschat' | 'execute-api';
}

/** What the server that served the page says about itself (GET config.json: unsigned, no secrets). */
interface ServedConfig {
  region?: string;
  wsUrl?: string;
  mode?: string;
}

const SAVED_KEY = 'ivschat-console.connection';
/** Local mode's default principal, the AWS CLI's usual test keys: not a secret. */
const LOCAL_KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * The connection to start with: what this tab saved (sessionStorage: credentials never outlive the
 * tab), else the served config with local mode's keys, else the page's own origin and nothing more.
 */
export async function initialConnection(): Promise<Connection> {
  const saved = sessionStorage.getItem(SAVED_KEY);
  if (saved) {
    try {
      return JSON.parse(saved) as Connection;
    } catch {
      sessionStorage.removeItem(SAVED_KEY);
    }
  }
  let served: ServedConfig = {};
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (res.ok) served = (await res.json()) as ServedConfig;
  } catch {
    // Served from elsewhere (a static host): the user fills in the connection form.
  }
  const local = served.mode === 'local';
  return {
    apiUrl: location.origin,
    wsUrl: served.wsUrl ? reachableFromHere(served.wsUrl) : '',
    region: served.region ?? 'us-east-1',
    accessKeyId: local ? LOCAL_KEYS.accessKeyId : '',
    secretAccessKey: local ? LOCAL_KEYS.secretAccessKey : '',
    sessionToken: '',
    signingName: local ? 'ivschat' : 'execute-api',
  };
}

export function saveConnection(connection: Connection): void {
  sessionStorage.setItem(SAVED_KEY, JSON.stringify(connection));
}

/** A server bound to every address reports 0.0.0.0 or [::]: the browser reaches it at the page's own host. */
function reachableFromHere(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]') parsed.hostname = location.hostname;
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * The official SDK client, signing in the browser. One attempt: the console shows the service's
 * answers (429s included) instead of retrying them away.
 */
export function ivschatClient(c: Connection): IvschatClient {
  const config = {
    endpoint: c.apiUrl,
    region: c.region,
    maxAttempts: 1,
    credentials: credentialsOf(c),
  };
  return c.signingName === 'execute-api' ? executeApiIvschatClient(config) : new IvschatClient(config);
}

const credentialsOf = (c: Connection) => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
});

/** The extension operations' client (history, presence, bans), signing as the SDK client does. */
export function extensionsClient(c: Connection): IvschatExtensionsClient {
  return new IvschatExtensionsClient({
    endpoint: c.apiUrl,
    region: c.region,
    signingName: c.signingName,
    credentials: credentialsOf(c),
  });
}

/** The last error shown to the user, until dismissed or replaced. */
export function showError(err: unknown, context?: string): void {
  const banner = byId('error-banner');
  byId('error-text').textContent = context ? `${context}: ${describeError(err)}` : describeError(err);
  banner.hidden = false;
}

export function clearError(): void {
  byId('error-banner').hidden = true;
  byId('error-text').textContent = '';
}

/** Runs an action of the page; its failure goes to the error banner. Resolves to undefined on failure. */
export async function attempt<T>(context: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (err) {
    showError(err, context);
    return undefined;
  }
}
