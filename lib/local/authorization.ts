import type { Principal } from './settings';

/**
 * IAM-style action matching: `*` matches any run of characters, `?` one character, and action
 * names compare case-insensitively, as IAM compares them.
 */
export function isAllowed(principal: Principal, action: string): boolean {
  return principal.allow.some((pattern) => actionPattern(pattern).test(action));
}

const cache = new Map<string, RegExp>();

function actionPattern(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re;
}

/** The caller's IAM ARN as AWS writes it in AccessDenied messages. */
export const principalArn = (principal: Principal, accountId: string): string =>
  `arn:aws:iam::${accountId}:user/${principal.name ?? principal.accessKeyId}`;
