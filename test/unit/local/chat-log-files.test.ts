import { segment } from '../../../lib/local/chat-log-files';

test('a destination name is one path segment that cannot climb out of the logs directory', () => {
  expect(segment('chat-archive')).toBe('chat-archive');
  expect(segment('my.bucket')).toBe('my.bucket');
  expect(segment('/aws/ivs/chat')).toBe('%2Faws%2Fivs%2Fchat');
  expect(segment('group#1')).toBe('group%231');
  expect(segment('..')).toBe('%2E%2E');
  expect(segment('.')).toBe('%2E');
  expect(segment('../..')).toBe('..%2F..');
});
