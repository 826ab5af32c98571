import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRINCIPALS, LocalConfigError, readLocalSettings } from '../../../lib/local/settings';

const dir = mkdtempSync(join(tmpdir(), 'ivschat-settings-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('defaults', () => {
  expect(readLocalSettings({})).toEqual({
    host: '127.0.0.1',
    apiPort: 8787,
    wsPort: 8788,
    region: 'us-east-1',
    accountId: '000000000000',
    dataDir: undefined,
    principals: DEFAULT_PRINCIPALS,
    principalsFile: undefined,
    lambdas: new Map(),
    allowedHosts: [],
    maxApiConnections: 512,
    maxWsConnections: expect.any(Number),
    heartbeatSeconds: 30,
    sweepIntervalMs: 1000,
    enforceQuotas: false,
  });
});

test('the WebSocket cap defaults to what the open-file limit leaves, at most 50,000', () => {
  const { maxWsConnections } = readLocalSettings({});
  expect(maxWsConnections).toBeGreaterThanOrEqual(64);
  expect(maxWsConnections).toBeLessThanOrEqual(50_000);
});

test('reads every variable', () => {
  const principals = file(
    'ok.json',
    JSON.stringify({ principals: [{ accessKeyId: 'a', secretAccessKey: 's', allow: ['ivschat:Get*'], name: 'alice' }] }),
  );
  expect(
    readLocalSettings({
      IVSCHAT_HOST: '0.0.0.0',
      IVSCHAT_API_PORT: '0',
      IVSCHAT_WS_PORT: '9000',
      AWS_REGION: 'eu-west-1',
      IVSCHAT_ACCOUNT_ID: '123456789012',
      IVSCHAT_DATA_DIR: dir,
      IVSCHAT_PRINCIPALS_FILE: principals,
      IVSCHAT_LAMBDAS_FILE: file('lambdas.json', JSON.stringify({ 'arn:aws:lambda:eu-west-1:123456789012:function:f': './f.mjs' })),
      IVSCHAT_ALLOWED_HOSTS: ' chat.example.com, ,Proxy.Local ',
      IVSCHAT_MAX_WS_CONNECTIONS: '100',
      IVSCHAT_MAX_API_CONNECTIONS: '10',
      IVSCHAT_WS_HEARTBEAT_SECONDS: '2',
      IVSCHAT_SWEEP_INTERVAL_MS: '50',
      IVSCHAT_ENFORCE_QUOTAS: '1',
    }),
  ).toEqual({
    host: '0.0.0.0',
    apiPort: 0,
    wsPort: 9000,
    region: 'eu-west-1',
    accountId: '123456789012',
    dataDir: dir,
    principals: [{ accessKeyId: 'a', secretAccessKey: 's', allow: ['ivschat:Get*'], name: 'alice' }],
    principalsFile: principals,
    lambdas: new Map([['arn:aws:lambda:eu-west-1:123456789012:function:f', join(dir, 'f.mjs')]]),
    allowedHosts: ['chat.example.com', 'proxy.local'],
    maxWsConnections: 100,
    maxApiConnections: 10,
    heartbeatSeconds: 2,
    sweepIntervalMs: 50,
    enforceQuotas: true,
  });
});

test('IVSCHAT_LAMBDAS_FILE paths are relative to the file; absolute ones stay as they are', () => {
  const lambdas = file(
    'relative.json',
    JSON.stringify({
      'arn:aws:lambda:us-east-1:000000000000:function:a': '../handlers/a.mjs',
      'arn:aws:lambda:us-east-1:000000000000:function:b:live': '/opt/b.mjs',
    }),
  );
  expect(readLocalSettings({ IVSCHAT_LAMBDAS_FILE: lambdas }).lambdas).toEqual(
    new Map([
      ['arn:aws:lambda:us-east-1:000000000000:function:a', join(dir, '../handlers/a.mjs')],
      ['arn:aws:lambda:us-east-1:000000000000:function:b:live', '/opt/b.mjs'],
    ]),
  );
});

test.each([
  [{ IVSCHAT_API_PORT: 'abc' }, /IVSCHAT_API_PORT must be a port number/],
  [{ IVSCHAT_WS_PORT: '70000' }, /IVSCHAT_WS_PORT must be a port number/],
  [{ IVSCHAT_ACCOUNT_ID: '42' }, /IVSCHAT_ACCOUNT_ID must be 12 digits/],
  [{ IVSCHAT_MAX_WS_CONNECTIONS: '0' }, /IVSCHAT_MAX_WS_CONNECTIONS must be a whole number of at least 1/],
  [{ IVSCHAT_WS_HEARTBEAT_SECONDS: '1.5' }, /IVSCHAT_WS_HEARTBEAT_SECONDS must be a whole number/],
  [{ AWS_REGION: 'US EAST' }, /AWS_REGION is not a region name/],
  [{ AWS_REGION: 'nowhere' }, /AWS_REGION is not a region name \(like us-east-1 or us-gov-west-1\): 'nowhere'/],
  [{ AWS_REGION: 'us-east' }, /AWS_REGION is not a region name/],
  [{ IVSCHAT_API_PORT: '9000', IVSCHAT_WS_PORT: '9000' }, /IVSCHAT_API_PORT and IVSCHAT_WS_PORT are both 9000: .* need a port each/],
  [{ IVSCHAT_WS_PORT: '8787' }, /are both 8787/],
  [{ IVSCHAT_API_PORT: ' 80' }, /IVSCHAT_API_PORT must be a port number/],
  [{ IVSCHAT_API_PORT: '0x50' }, /IVSCHAT_API_PORT must be a port number/],
  [{ POWERTOOLS_LOG_LEVEL: 'LOUD' }, /POWERTOOLS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, got 'LOUD'/],
  [{ POWERTOOLS_LOG_LEVEL: 'debug' }, /POWERTOOLS_LOG_LEVEL must be one of/],
  [{ IVSCHAT_TOKEN_LIFETIME_MS: '0' }, /IVSCHAT_TOKEN_LIFETIME_MS must be at least 1000 \(milliseconds: 1 s\), got '0'/],
  [{ IVSCHAT_SESSION_MINUTE_MS: '999' }, /IVSCHAT_SESSION_MINUTE_MS must be at least 1000/],
  [{ IVSCHAT_HISTORY_HOUR_MS: '10' }, /IVSCHAT_HISTORY_HOUR_MS must be at least 1000/],
  [{ IVSCHAT_BAN_MINUTE_MS: '0' }, /IVSCHAT_BAN_MINUTE_MS must be at least 1000/],
  [{ IVSCHAT_TOKEN_LIFETIME_MS: '1.5e3' }, /IVSCHAT_TOKEN_LIFETIME_MS must be a whole number/],
  [{ IVSCHAT_MAX_ROOMS: '1e3' }, /IVSCHAT_MAX_ROOMS must be a whole number, got '1e3'/],
  [{ IVSCHAT_HISTORY_HOURS: '-1' }, /IVSCHAT_HISTORY_HOURS must be a whole number/],
  [{ IVSCHAT_PRINCIPALS_FILE: join(dir, 'missing.json') }, /cannot read IVSCHAT_PRINCIPALS_FILE .*ENOENT/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('bad.json', '{') }, /cannot read IVSCHAT_PRINCIPALS_FILE/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('empty.json', '{"principals":[]}') }, /at least one principal/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('noallow.json', '{"principals":[{"accessKeyId":"a","secretAccessKey":"s"}]}') }, /needs "allow"/],
  [
    {
      IVSCHAT_PRINCIPALS_FILE: file(
        'dup.json',
        '{"principals":[{"accessKeyId":"a","secretAccessKey":"s","allow":[]},{"accessKeyId":"a","secretAccessKey":"t","allow":[]}]}',
      ),
    },
    /appears twice/,
  ],
  [{ IVSCHAT_LAMBDAS_FILE: join(dir, 'missing.json') }, /cannot read IVSCHAT_LAMBDAS_FILE .*ENOENT/],
  [
    { IVSCHAT_LAMBDAS_FILE: file('lambdas-list.json', '["./a.mjs"]') },
    /IVSCHAT_LAMBDAS_FILE .*expected \{"arn:aws:lambda:us-east-1:000000000000:function:NAME"/,
  ],
  [{ IVSCHAT_LAMBDAS_FILE: file('lambdas-arn.json', '{"profanity":"./p.mjs"}') }, /profanity is not a Lambda function ARN/],
  [
    { IVSCHAT_LAMBDAS_FILE: file('lambdas-account.json', '{"arn:aws:lambda:us-east-1:123456789012:function:p":"./p.mjs"}') },
    /is not in account 000000000000 and region us-east-1/,
  ],
  [
    { IVSCHAT_LAMBDAS_FILE: file('lambdas-path.json', '{"arn:aws:lambda:us-east-1:000000000000:function:p":3}') },
    /must map to a module path/,
  ],
  [{ IVSCHAT_SWEEP_INTERVAL_MS: '0' }, /IVSCHAT_SWEEP_INTERVAL_MS must be a whole number of at least 10/],
  [{ IVSCHAT_SWEEP_INTERVAL_MS: '1.5' }, /IVSCHAT_SWEEP_INTERVAL_MS must be a whole number/],
  [{ IVSCHAT_SWEEP_INTERVAL_MS: '3000000000' }, /IVSCHAT_SWEEP_INTERVAL_MS must be at most 60000/],
])('%j is refused with a one-line reason', (env, reason) => {
  expect(() => readLocalSettings(env)).toThrow(/^[^\n]+$/);
  expect(() => readLocalSettings(env)).toThrow(LocalConfigError);
  expect(() => readLocalSettings(env)).toThrow(reason);
});

test('a secret never appears in a configuration error', () => {
  const path = file('nokey.json', '{"principals":[{"secretAccessKey":"VERY-SECRET","allow":[]}]}');
  expect(() => readLocalSettings({ IVSCHAT_PRINCIPALS_FILE: path })).toThrow(/needs an accessKeyId/);
  try {
    readLocalSettings({ IVSCHAT_PRINCIPALS_FILE: path });
  } catch (err) {
    expect((err as Error).message).not.toContain('VERY-SECRET');
  }
});

test('what is allowed: region names of every partition, each log level, durations of a second, port 0 for both', () => {
  for (const region of ['us-east-1', 'eu-central-2', 'ap-southeast-5', 'cn-north-1', 'us-gov-west-1', 'us-isob-east-1', 'eusc-de-east-1']) {
    expect(readLocalSettings({ AWS_REGION: region }).region).toBe(region);
  }
  for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT', '']) {
    expect(() => readLocalSettings({ POWERTOOLS_LOG_LEVEL: level })).not.toThrow();
  }
  expect(() =>
    readLocalSettings({
      IVSCHAT_TOKEN_LIFETIME_MS: '1000',
      IVSCHAT_SESSION_MINUTE_MS: '1000',
      IVSCHAT_HISTORY_HOUR_MS: '1000',
      IVSCHAT_BAN_MINUTE_MS: '1000',
      IVSCHAT_HISTORY_HOURS: '0',
    }),
  ).not.toThrow();
  expect(readLocalSettings({ IVSCHAT_API_PORT: '0', IVSCHAT_WS_PORT: '0' })).toMatchObject({ apiPort: 0, wsPort: 0 });
});

test('IVSCHAT_ENFORCE_QUOTAS is 1 or 0 (or unset)', () => {
  expect(readLocalSettings({ IVSCHAT_ENFORCE_QUOTAS: '0' }).enforceQuotas).toBe(false);
  expect(() => readLocalSettings({ IVSCHAT_ENFORCE_QUOTAS: 'yes' })).toThrow(
    new LocalConfigError("IVSCHAT_ENFORCE_QUOTAS must be 1 or 0, got 'yes'"),
  );
});
