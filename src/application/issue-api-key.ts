import { ApiKey } from '../domain/api-key';
import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { Clock } from '../domain/clock.port';
import { TooManyKeys } from '../domain/errors';
import { UserId } from '../domain/user';

export interface NewApiKey {
  readonly apiKey: ApiKey;
  /** The plain key: returned to the caller once and never stored. */
  readonly key: string;
}

/** Issues a key and stores its record within the per-user limit; shared by registration and CreateApiKey. */
export async function issueApiKey(
  ports: { keys: ApiKeyRepository; issuer: ApiKeyIssuer; clock: Clock },
  userId: UserId,
  label: string | null,
): Promise<NewApiKey> {
  const issued = ports.issuer.issue();
  const apiKey: ApiKey = {
    id: issued.id,
    userId,
    label,
    prefix: ApiKey.prefixOf(issued.key),
    digest: issued.digest,
    createdAt: ports.clock.now(),
    lastUsedAt: null,
  };
  if (!(await ports.keys.addWithinLimit(apiKey, ApiKey.MAX_PER_USER))) throw new TooManyKeys(ApiKey.MAX_PER_USER);
  return { apiKey, key: issued.key };
}
