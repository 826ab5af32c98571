import { CreateRoomCommand, IvschatClient, ServiceQuotaExceededException } from '@aws-sdk/client-ivschat';
import { LocalChat, LocalConfigError, startLocal } from '../../../lib/local/embed';
import { principalsFile } from '../../fixtures/principals';

// startLocal from source (test/integration/package/pack-install.test.ts runs the packed one).
const started: LocalChat[] = [];
const start = async (...args: Parameters<typeof startLocal>) => {
  const chat = await startLocal(...args);
  started.push(chat);
  return chat;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((chat) => chat.stop()));
});

const clientOf = (chat: LocalChat) =>
  new IvschatClient({ endpoint: chat.controlPlaneUrl, region: chat.region, credentials: chat.credentials, maxAttempts: 1 });

test('options apply per service: a quota of one room in one, the default in the other', async () => {
  const [small, large] = await Promise.all([start({ maxRooms: 1 }), start()]);
  await clientOf(small).send(new CreateRoomCommand({}));
  await expect(clientOf(small).send(new CreateRoomCommand({}))).rejects.toBeInstanceOf(ServiceQuotaExceededException);
  await clientOf(large).send(new CreateRoomCommand({}));
  await clientOf(large).send(new CreateRoomCommand({}));
  expect(small.controlPlaneUrl).not.toBe(large.controlPlaneUrl);
});

test('region, account and the principals file give the ARNs and the credentials returned', async () => {
  const file = principalsFile([{ accessKeyId: 'ci-key', secretAccessKey: 'ci-secret', allow: ['ivschat:*'] }]);
  const chat = await start({ region: 'eu-west-1', accountId: '123456789012', principalsFile: file });
  expect([chat.region, chat.accountId, chat.credentials]).toEqual([
    'eu-west-1',
    '123456789012',
    { accessKeyId: 'ci-key', secretAccessKey: 'ci-secret' },
  ]);
  const room = await clientOf(chat).send(new CreateRoomCommand({}));
  expect(room.arn).toMatch(/^arn:aws:ivschat:eu-west-1:123456789012:room\//);
});

test('an unusable option is refused with the reason the variable would get', async () => {
  await expect(startLocal({ historyHours: -1 })).rejects.toThrow(
    new LocalConfigError("IVSCHAT_HISTORY_HOURS must be a whole number, got '-1'"),
  );
  await expect(startLocal({ apiPort: 70000 })).rejects.toThrow(LocalConfigError);
});

test('the log level is one per process: a running service refuses another, and the next start after them may choose', async () => {
  await start({ logLevel: 'ERROR' });
  await expect(startLocal({ logLevel: 'CRITICAL' })).rejects.toThrow(
    /logLevel CRITICAL differs from the ERROR of the instance\(s\) already running/,
  );
  await start(); // names none: takes ERROR
  await start({ logLevel: 'ERROR' });
  await Promise.all(started.splice(0).map((chat) => chat.stop()));
  await start({ logLevel: 'SILENT' });
  await expect(startLocal({ logLevel: 'LOUD' as never })).rejects.toThrow(/logLevel must be one of TRACE, DEBUG/);
});

test('stop is safe to call twice, and the ports are closed after it', async () => {
  const chat = await startLocal();
  await Promise.all([chat.stop(), chat.stop()]);
  await chat.stop();
  await expect(fetch(`${chat.controlPlaneUrl}/ping`)).rejects.toThrow();
});
