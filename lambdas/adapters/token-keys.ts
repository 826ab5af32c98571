import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TokenKeySet, parseTokenKeySet } from '../domain/chat-token';

/** How long a container trusts the token keys it read from Secrets Manager. */
export const TOKEN_KEYS_MAX_AGE_MS = 5 * 60_000;

/**
 * The chat-token keys from a Secrets Manager secret, read on first use and again once they are older
 * than TOKEN_KEYS_MAX_AGE_MS, so that every warm container sees a rotation (README: the steps of a
 * rotation are spaced by more than this). A failed read is not remembered: the next request tries again.
 */
export function createSecretsManagerTokenKeys(options: { region: string; secretArn: string }): () => Promise<TokenKeySet> {
  const client = new SecretsManagerClient({ region: options.region });
  let loading: Promise<TokenKeySet> | undefined;
  let loadedAt = 0;
  return () => {
    if (loading && Date.now() - loadedAt > TOKEN_KEYS_MAX_AGE_MS) loading = undefined;
    if (!loading) {
      loadedAt = Date.now();
      loading = client
        .send(new GetSecretValueCommand({ SecretId: options.secretArn }))
        .then((out) => parseTokenKeySet(out.SecretString ?? ''))
        .catch((err: unknown) => {
          loading = undefined;
          throw err;
        });
    }
    return loading;
  };
}
