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
  });
});

test('reads every variable', () => {
  const principals = file('ok.json', JSON.stringify({ principals: [{ accessKeyId: 'a', secretAccessKey: 's', allow: ['ivschat:Get*'], name: 'alice' }] }));
  expect(
    readLocalSettings({
      IVSCHAT_HOST: '0.0.0.0',
      IVSCHAT_API_PORT: '0',
      IVSCHAT_WS_PORT: '9000',
      AWS_REGION: 'eu-west-1',
      IVSCHAT_ACCOUNT_ID: '123456789012',
      IVSCHAT_DATA_DIR: dir,
      IVSCHAT_PRINCIPALS_FILE: principals,
    }),
  ).toEqual({
    host: '0.0.0.0',
    apiPort: 0,
    wsPort: 9000,
    region: 'eu-west-1',
    accountId: '123456789012',
    dataDir: dir,
    principals: [{ accessKeyId: 'a', secretAccessKey: 's', allow: ['ivschat:Get*'], name: 'alice' }],
  });
});

test.each([
  [{ IVSCHAT_API_PORT: 'abc' }, /IVSCHAT_API_PORT must be a port number/],
  [{ IVSCHAT_WS_PORT: '70000' }, /IVSCHAT_WS_PORT must be a port number/],
  [{ IVSCHAT_ACCOUNT_ID: '42' }, /IVSCHAT_ACCOUNT_ID must be 12 digits/],
  [{ AWS_REGION: 'US EAST' }, /AWS_REGION is not a region name/],
  [{ IVSCHAT_PRINCIPALS_FILE: join(dir, 'missing.json') }, /cannot read IVSCHAT_PRINCIPALS_FILE .*ENOENT/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('bad.json', '{') }, /cannot read IVSCHAT_PRINCIPALS_FILE/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('empty.json', '{"principals":[]}') }, /at least one principal/],
  [{ IVSCHAT_PRINCIPALS_FILE: file('noallow.json', '{"principals":[{"accessKeyId":"a","secretAccessKey":"s"}]}') }, /needs "allow"/],
  [
    { IVSCHAT_PRINCIPALS_FILE: file('dup.json', '{"principals":[{"accessKeyId":"a","secretAccessKey":"s","allow":[]},{"accessKeyId":"a","secretAccessKey":"t","allow":[]}]}') },
    /appears twice/,
  ],
])('%j is refused with a one-line reason', (env, reason) => {
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
