import { ApiKey } from '../domain/api-key';
import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { Clock } from '../domain/clock.port';
import { InvalidApiKey, MissingApiKey } from '../domain/errors';
import { UserId } from '../domain/user';

/**
 * Finds whose API key this is. Keys are looked up by digest, so no slow hash runs per request,
 * and in the store every time: no cache can outlive a revocation.
 */
export class Authenticate {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly issuer: ApiKeyIssuer,
    private readonly clock: Clock,
  ) {}

  async execute(apiKey: string | undefined): Promise<UserId> {
    if (apiKey === undefined) throw new MissingApiKey();
    if (!ApiKey.isWellFormed(apiKey)) throw new InvalidApiKey();
    const found = await this.keys.findByDigest(this.issuer.digestOf(apiKey));
    if (!found) throw new InvalidApiKey();
    const now = this.clock.now();
    const usedSince = new Date(now.getTime() - ApiKey.LAST_USED_PRECISION_MS);
    // lastUsedAt is written once a minute at most, so the hot path stays a single read. The
    // request does not wait for that write, nor fail with it: a read must answer while the store
    // cannot take writes (another process holding SQLite's lock), and a use that could not be
    // recorded is recorded at the next one.
    if (found.lastUsedAt === null || found.lastUsedAt < usedSince || found.prefix === null) {
      this.keys.recordUse(found.id, ApiKey.prefixOf(apiKey), now, usedSince).catch(() => undefined);
    }
    return found.userId;
  }
}
