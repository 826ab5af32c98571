import { isAllowed, principalArn } from '../../../lib/local/authorization';
import type { Principal } from '../../../lib/local/settings';

const who = (...allow: string[]): Principal => ({ accessKeyId: 'AK', secretAccessKey: 'SK', allow });

test.each([
  [['ivschat:*'], 'ivschat:CreateRoom', true],
  [['*'], 'ivschat:CreateRoom', true],
  [['ivschat:Get*'], 'ivschat:GetRoom', true],
  [['ivschat:Get*'], 'ivschat:CreateRoom', false],
  [['ivschat:getroom'], 'ivschat:GetRoom', true],
  [['ivschat:?etRoom'], 'ivschat:GetRoom', true],
  [['ivs:*'], 'ivschat:GetRoom', false],
  [['ivschat:List*', 'ivschat:GetRoom'], 'ivschat:ListRooms', true],
  [[], 'ivschat:ListRooms', false],
  [['ivschat:Get.oom'], 'ivschat:GetRoom', false],
])('%j allows %s: %s', (allow, action, expected) => {
  expect(isAllowed(who(...allow), action)).toBe(expected);
});

test('principal ARNs name the user, or the key id', () => {
  expect(principalArn({ ...who(), name: 'alice' }, '123456789012')).toBe('arn:aws:iam::123456789012:user/alice');
  expect(principalArn(who(), '123456789012')).toBe('arn:aws:iam::123456789012:user/AK');
});
