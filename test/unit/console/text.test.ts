import { describeError, formatPairs, isClientError, parsePairs } from '../../../console/src/text';
import { ExtensionServiceError } from '../../../lib/client/extensions';

test('attribute text: key=value lines, key: value without =, blanks skipped, round trip', () => {
  expect(parsePairs('color=blue\n\n  size : large \nurl=https://example.com/a:b\nflag')).toEqual({
    color: 'blue',
    size: 'large',
    url: 'https://example.com/a:b',
    flag: '',
  });
  expect(parsePairs(formatPairs({ a: '1', 'b:c': 'x=y' }))).toEqual({ a: '1', 'b:c': 'x=y' });
  expect(() => parsePairs('=orphan')).toThrow('"=orphan" has no key');
});

test('errors read as the service sent them: socket ERROR frames, SDK exceptions, network failures', () => {
  expect(describeError({ errorCode: 403, errorMessage: 'The chat token does not grant SEND_MESSAGE' })).toBe(
    '403 The chat token does not grant SEND_MESSAGE',
  );
  const sdk = Object.assign(new Error('Room not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  expect(describeError(sdk)).toBe('404 ResourceNotFoundException: Room not found');
  expect(describeError(new TypeError('Failed to fetch'))).toMatch(/^Network error: Failed to fetch \(is the service running/);
  expect(describeError(new Error('plain'))).toBe('plain');
  expect(describeError('text')).toBe('text');
});

test("the extension operations' refusals read like the SDK's; only a 4xx other than 429 is final", () => {
  const banned = new ExtensionServiceError('AccessDeniedException', 'User bob is banned from room r', 403, {}, 'req-1');
  expect(describeError(banned)).toBe('403 AccessDeniedException: User bob is banned from room r');
  expect(isClientError(banned)).toBe(true);
  expect(isClientError(new ExtensionServiceError('ThrottlingException', 'slow down', 429, {}, undefined))).toBe(false);
  expect(isClientError(Object.assign(new Error('gone'), { $metadata: { httpStatusCode: 404 } }))).toBe(true);
  expect(isClientError(Object.assign(new Error('fault'), { $metadata: { httpStatusCode: 500 } }))).toBe(false);
  expect(isClientError(new TypeError('Failed to fetch'))).toBe(false);
});
