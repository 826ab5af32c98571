import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTokenKeySet } from '../../lambdas/domain/chat-token';
import { LocalConfigError } from './settings';

/**
 * Local mode's chat-token key set, as the JSON the handlers read from IVSCHAT_TOKEN_KEYS. With a data
 * dir it is generated on first start and kept there (readable by its owner only), so tokens and
 * sessions survive a restart; in memory it lives as long as the process.
 */
export function loadOrCreateTokenKeys(dataDir: string | undefined): string {
  const path = dataDir ? join(dataDir, 'token-keys.json') : undefined;
  if (path && existsSync(path)) {
    const json = readFileSync(path, 'utf8');
    try {
      parseTokenKeySet(json);
    } catch (err) {
      throw new LocalConfigError(`token key file ${path} is not usable: ${(err as Error).message}`);
    }
    return json;
  }
  const kid = `k${Date.now().toString(36)}`;
  const json = JSON.stringify({ current: kid, keys: { [kid]: randomBytes(32).toString('base64url') } });
  if (path) writeFileSync(path, json, { mode: 0o600 });
  return json;
}
