import { ApiKey } from '../../../domain/api-key';
import { ApiKeyRepository, Revocation } from '../../../domain/api-key-repository.port';
import { UserId } from '../../../domain/user';

/**
 * Keys in process memory. Each method runs to completion on the event loop, so the limit on
 * add and the last-key rule on revoke are atomic, as the real stores make them.
 */
export class InMemoryApiKeyRepository implements ApiKeyRepository {
  private readonly byId = new Map<string, ApiKey>();
  private readonly idByDigest = new Map<string, string>();
  private readonly idsByUser = new Map<UserId, Set<string>>();

  async addWithinLimit(key: ApiKey, limit: number): Promise<boolean> {
    if (this.byId.has(key.id) || this.idByDigest.has(key.digest)) throw new Error('Duplicate API key id or digest');
    if (this.ofUser(key.userId).length >= limit) return false;
    this.byId.set(key.id, copy(key));
    this.idByDigest.set(key.digest, key.id);
    this.idsByUser.set(key.userId, (this.idsByUser.get(key.userId) ?? new Set()).add(key.id));
    return true;
  }

  async findByDigest(digest: string): Promise<ApiKey | null> {
    const id = this.idByDigest.get(digest);
    return id === undefined ? null : copy(this.byId.get(id)!);
  }

  async listByUser(userId: UserId): Promise<ApiKey[]> {
    // Reversed first: the stable sort then puts the later of two keys made in one millisecond first.
    return this.ofUser(userId)
      .reverse()
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map(copy);
  }

  async revoke(userId: UserId, keyId: string): Promise<Revocation> {
    const key = this.byId.get(keyId);
    if (!key || key.userId !== userId) return 'not_found';
    if (this.ofUser(userId).length <= 1) return 'last_key';
    this.remove(key);
    return 'revoked';
  }

  async recordUse(keyId: string, prefix: string, at: Date, unlessUsedSince: Date): Promise<void> {
    const key = this.byId.get(keyId);
    if (!key) return;
    const stale = key.lastUsedAt === null || key.lastUsedAt < unlessUsedSince;
    if (!stale && key.prefix !== null) return;
    this.byId.set(keyId, { ...key, lastUsedAt: stale ? new Date(at) : key.lastUsedAt, prefix: key.prefix ?? prefix });
  }

  async revokeAllOf(userId: UserId): Promise<void> {
    for (const key of this.ofUser(userId)) this.remove(key);
  }

  /** In the order they were added. */
  private ofUser(userId: UserId): ApiKey[] {
    return [...(this.idsByUser.get(userId) ?? [])].map((id) => this.byId.get(id)!);
  }

  private remove(key: ApiKey): void {
    this.byId.delete(key.id);
    this.idByDigest.delete(key.digest);
    this.idsByUser.get(key.userId)?.delete(key.id);
  }
}

function copy(key: ApiKey): ApiKey {
  return { ...key, createdAt: new Date(key.createdAt), lastUsedAt: key.lastUsedAt && new Date(key.lastUsedAt) };
}
