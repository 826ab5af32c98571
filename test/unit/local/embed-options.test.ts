import { OPTION_ENV, optionsToEnv } from '../../../lib/local/embed';
import { LocalConfigError, LOCAL_ENV, readLocalSettings } from '../../../lib/local/settings';
import { ENV } from '../../../lambdas/shared/env';

/** Handler variables local mode sets itself, for every stack: no option could mean anything. */
const SET_BY_LOCAL_MODE: string[] = [ENV.tableName, ENV.dynamodbEndpoint, ENV.tokenKeys, ENV.tokenKeysSecretArn, ENV.connectionsEndpoint];
/**
 * Settings of a deployed stack that local mode has no use for: its fan-out is in process (no shard
 * queue), its metrics are not sent anywhere, and its console is served from the control plane's own origin.
 */
const AWS_ONLY: string[] = [ENV.shardQueueUrl, ENV.shardThreshold, ENV.metricsNamespace, ENV.corsAllowOrigin];

test('every setting of local mode and of the handlers has a startLocal option', () => {
  const settings = new Set(
    [...Object.values(LOCAL_ENV), ...Object.values(ENV)].filter((name) => !SET_BY_LOCAL_MODE.includes(name) && !AWS_ONLY.includes(name)),
  );
  // logLevel is an option of its own (one logger per process), not a variable copied per instance.
  expect([...new Set([...Object.values(OPTION_ENV), LOCAL_ENV.logLevel])].sort()).toEqual([...settings].sort());
});

test('options become the variables, read as npm start reads them; the ports default to free ones', () => {
  const env = optionsToEnv({ apiPort: 9001, allowedHosts: ['chat.test', 'other.test'], historyHours: 0, dataDir: undefined });
  expect(env).toEqual({
    IVSCHAT_API_PORT: '9001',
    IVSCHAT_WS_PORT: '0',
    IVSCHAT_ALLOWED_HOSTS: 'chat.test,other.test',
    IVSCHAT_HISTORY_HOURS: '0',
  });
  const settings = readLocalSettings(env);
  expect([settings.apiPort, settings.wsPort, settings.allowedHosts]).toEqual([9001, 0, ['chat.test', 'other.test']]);
});

test('a yes/no option becomes 1 or 0, as the variable is spelled', () => {
  expect(optionsToEnv({ enforceQuotas: true })).toMatchObject({ IVSCHAT_ENFORCE_QUOTAS: '1' });
  expect(readLocalSettings(optionsToEnv({ enforceQuotas: false })).enforceQuotas).toBe(false);
});

test('an option the variables do not have is refused by name, with the list', () => {
  expect(() => optionsToEnv({ port: 0 } as never)).toThrow(LocalConfigError);
  expect(() => optionsToEnv({ port: 0 } as never)).toThrow(/^startLocal: unknown option port; the options: host, apiPort, wsPort, /);
});
