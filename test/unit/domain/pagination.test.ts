import { decodePageToken, encodePageToken, filterFingerprint } from '../../../lambdas/domain/pagination';
import { ValidationException } from '../../../lambdas/shared/errors';

const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9]{12}$/;
const position = '2026-11-24T10:00:00.000Z#abcdEFGH1234';

describe('page tokens', () => {
  const fp = filterFingerprint('ListRooms', { name: 'a', messageReviewHandlerUri: undefined });

  test('round-trip a position for the same filters', () => {
    const token = encodePageToken(position, fp);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, fp, POSITION)).toBe(position);
  });

  test('fingerprints ignore member order and tell filters apart', () => {
    expect(filterFingerprint('ListRooms', { b: '1', a: '2' })).toBe(filterFingerprint('ListRooms', { a: '2', b: '1' }));
    expect(filterFingerprint('ListRooms', { name: 'a' })).not.toBe(filterFingerprint('ListRooms', { name: 'b' }));
    expect(filterFingerprint('ListRooms', { name: 'a' })).not.toBe(filterFingerprint('ListLoggingConfigurations', { name: 'a' }));
    expect(filterFingerprint('ListRooms', { name: undefined })).not.toBe(filterFingerprint('ListRooms', { name: '' }));
  });

  test.each([
    ['garbage', 'not a token!'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['other filters', encodePageToken(position, filterFingerprint('ListRooms', { name: 'b' }))],
    ['a position outside the listing', encodePageToken('QUOTA#rooms', fp)],
    ['another version', Buffer.from(JSON.stringify({ v: 2, p: position, f: fp })).toString('base64url')],
  ])('rejects %s as a ValidationException on nextToken', (_, token) => {
    expect(() => decodePageToken(token, fp, POSITION)).toThrow(ValidationException);
    try {
      decodePageToken(token, fp, POSITION);
    } catch (err) {
      expect((err as ValidationException).fieldList[0]?.name).toBe('nextToken');
    }
  });
});
