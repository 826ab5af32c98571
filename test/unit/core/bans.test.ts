import { connect } from '../../../lambdas/core/sessions';
import type { Deps } from '../../../lambdas/core/deps';
import type { Ban } from '../../../lambdas/data/bans';
import type { Connection } from '../../../lambdas/data/connections';
import { newTokenClaims, parseTokenKeySet, sealToken } from '../../../lambdas/domain/chat-token';
import { MessagingError } from '../../../lambdas/shared/errors';
import { loadOrCreateTokenKeys } from '../../../lib/local/token-keys';

const ROOM_ARN = 'arn:aws:ivschat:us-east-1:000000000000:room/abcdEFGH1234';
const keys = parseTokenKeySet(loadOrCreateTokenKeys(undefined));

/**
 * Fake deps for $connect whose ban lookups answer `bans` in turn (the last one from then on), and
 * whose DisconnectUser note lookups answer `notes` in turn likewise.
 */
function connectDeps(bans: (Ban | undefined)[], notes: (string | undefined)[] = [undefined]) {
  let noteLookups = 0;
  const records = new Map<string, Connection>();
  let lookups = 0;
  const deps = {
    scope: { region: 'us-east-1', accountId: '000000000000' },
    idClock: { newId: () => 'newIdNewId12', now: () => new Date() },
    rooms: { get: async () => ({ id: 'abcdEFGH1234', arn: ROOM_ARN }) },
    usedTokens: { claim: async () => true },
    tokenKeys: async () => keys,
    connections: {
      put: async (c: Connection) => void records.set(c.connectionId, c),
      remove: async (id: string) => {
        const c = records.get(id);
        records.delete(id);
        return c;
      },
    },
    bans: { active: async () => bans[Math.min(lookups++, bans.length - 1)] },
    disconnections: { last: async () => notes[Math.min(noteLookups++, notes.length - 1)] },
  } as unknown as Deps;
  return { deps, records, lookups: () => lookups };
}

const token = () => sealToken(newTokenClaims({ roomIdentifier: ROOM_ARN, userId: 'troll' }, new Date()), keys);
const ban: Ban = { userId: 'troll', createTime: new Date().toISOString() };

test('$connect of a banned user is refused (403) before its token is claimed or a record written', async () => {
  const { deps, records } = connectDeps([ban]);
  const refused = connect(deps, { token: await token(), connectionId: 'c1' });
  await expect(refused).rejects.toBeInstanceOf(MessagingError);
  await expect(refused).rejects.toMatchObject({ code: 403 });
  expect(records.size).toBe(0);
});

test('a ban landing between the first check and the record: the record is removed again and the handshake refused', async () => {
  const { deps, records, lookups } = connectDeps([undefined, ban]);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).rejects.toMatchObject({ code: 403 });
  expect(lookups()).toBe(2);
  expect(records.size).toBe(0);
});

test('no ban: the connection opens, after looking twice', async () => {
  const { deps, records, lookups } = connectDeps([undefined]);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).resolves.toMatchObject({ userId: 'troll' });
  expect([records.size, lookups()]).toEqual([1, 2]);
});

test('a DisconnectUser landing while $connect runs: the record is removed again and the handshake refused', async () => {
  const { deps, records } = connectDeps([undefined], [undefined, 'note-1']);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).rejects.toMatchObject({ code: 403 });
  expect(records.size).toBe(0);
});

test('a DisconnectUser before this $connect began does not refuse it (the user may come back)', async () => {
  const { deps, records } = connectDeps([undefined], ['note-1']);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).resolves.toMatchObject({ userId: 'troll' });
  expect(records.size).toBe(1);
});

test('a second DisconnectUser landing while $connect runs is seen too (the note changed)', async () => {
  const { deps, records } = connectDeps([undefined], ['note-1', 'note-2']);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).rejects.toMatchObject({ code: 403 });
  expect(records.size).toBe(0);
});

test('an old note expiring while $connect runs does not refuse it (only a DisconnectUser writes a note)', async () => {
  const { deps, records } = connectDeps([undefined], ['note-1', undefined]);
  await expect(connect(deps, { token: await token(), connectionId: 'c1' })).resolves.toMatchObject({ userId: 'troll' });
  expect(records.size).toBe(1);
});
