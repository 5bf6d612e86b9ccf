import { Collection, Db } from 'mongodb';
import { ApiKey } from '../../../domain/api-key';
import { ApiKeyRepository, Revocation } from '../../../domain/api-key-repository.port';
import { UserId } from '../../../domain/user';
import { isDuplicateKeyError, translateMongoError, withinTimeout } from './mongo-errors';
import { MongoUniqueIndexes, UniqueIndex } from './mongo-unique-indexes';

export const API_KEYS_COLLECTION = 'api_keys';

/**
 * One document per key. `slot` (0 to limit-1) exists for the limit alone: a unique index on
 * (userId, slot) lets no two keys of a user share a slot, so a user can never hold more keys
 * than there are slots, whatever number of replicas add keys at once, without a transaction.
 */
export interface ApiKeyDocument {
  _id: string;
  userId: string;
  slot: number;
  label: string | null;
  prefix: string | null;
  digest: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const DIGEST_INDEX: UniqueIndex = { key: { digest: 1 }, name: 'digest_unique', field: 'digest' };
// Also the index by user, for listing and for account deletion.
const SLOT_INDEX: UniqueIndex = { key: { userId: 1, slot: 1 }, name: 'user_slot_unique', field: 'slot' };

/** Each lost race means another key took a slot; a user has at most `limit` slots to fill. */
const MAX_SLOT_ATTEMPTS = 100;

export class MongoApiKeyRepository implements ApiKeyRepository {
  private readonly keys: Collection<ApiKeyDocument>;
  /** The limit and the digest's uniqueness rest on them; checked before each add, as users' are. */
  readonly uniqueIndexes: MongoUniqueIndexes;

  /**
   * `moveStoredElsewhere(digest)` is asked about a digest api_keys does not hold; true means it
   * has just put that key there (a key of the previous release, kept in users).
   */
  constructor(
    db: Db,
    private readonly timeoutMs = 1000,
    private readonly moveStoredElsewhere: (digest: string) => Promise<boolean> = async () => false,
  ) {
    this.keys = db.collection<ApiKeyDocument>(API_KEYS_COLLECTION);
    this.uniqueIndexes = new MongoUniqueIndexes(this.keys as unknown as Collection, [DIGEST_INDEX, SLOT_INDEX]);
  }

  /** Idempotent; safe when several replicas start together. */
  async ensureIndexes(): Promise<void> {
    await this.uniqueIndexes.ensure();
  }

  addWithinLimit(key: ApiKey, limit: number): Promise<boolean> {
    return withinTimeout(this.timeoutMs, 'write', () => this.addNow(key, limit));
  }

  private async addNow(key: ApiKey, limit: number): Promise<boolean> {
    try {
      await this.uniqueIndexes.require();
      for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt += 1) {
        const taken = new Set((await this.keys.find({ userId: key.userId }, { projection: { slot: 1 } }).toArray()).map((d) => d.slot));
        const free = Array.from({ length: limit }, (_, slot) => slot).filter((slot) => !taken.has(slot));
        if (free.length === 0) return false;
        // A random free slot, so concurrent adds seldom pick the same one.
        const slot = free[Math.floor(Math.random() * free.length)];
        try {
          await this.keys.insertOne(toDocument(key, slot));
          return true;
        } catch (error) {
          if (!isDuplicateKeyError(error, SLOT_INDEX)) throw error;
        }
      }
      throw new Error(`No free key slot for user ${key.userId} after ${MAX_SLOT_ATTEMPTS} attempts`);
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
  }

  findByDigest(digest: string): Promise<ApiKey | null> {
    return withinTimeout(this.timeoutMs, 'read', () => this.findByDigestNow(digest));
  }

  private async findByDigestNow(digest: string): Promise<ApiKey | null> {
    try {
      const document = (await this.keys.findOne({ digest })) ?? ((await this.moveStoredElsewhere(digest)) ? await this.keys.findOne({ digest }) : null);
      return document && toApiKey(document);
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  listByUser(userId: UserId): Promise<ApiKey[]> {
    return withinTimeout(this.timeoutMs, 'read', async () => {
      try {
        const documents = await this.keys.find({ userId }).sort({ createdAt: -1, _id: -1 }).toArray();
        return documents.map(toApiKey);
      } catch (error) {
        throw translateMongoError(error);
      }
    });
  }

  /**
   * Delete, then look: if no key is left, the deleted one is put back and the answer is
   * last_key. Two revocations racing for a user's last two keys may then both be refused (both
   * keys stay), but never both succeed; a key a racing add put in the freed slot meanwhile
   * means the user is not left without a key, so the revocation stands.
   */
  revoke(userId: UserId, keyId: string): Promise<Revocation> {
    return withinTimeout(this.timeoutMs, 'write', () => this.revokeNow(userId, keyId));
  }

  private async revokeNow(userId: UserId, keyId: string): Promise<Revocation> {
    try {
      const deleted = await this.keys.findOneAndDelete({ _id: keyId, userId });
      if (!deleted) return 'not_found';
      if ((await this.keys.countDocuments({ userId }, { limit: 1 })) > 0) return 'revoked';
      try {
        await this.keys.insertOne(deleted);
      } catch (error) {
        if (isDuplicateKeyError(error, SLOT_INDEX)) return 'revoked';
        throw error;
      }
      return 'last_key';
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
  }

  recordUse(keyId: string, prefix: string, at: Date, unlessUsedSince: Date): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', () => this.recordUseNow(keyId, prefix, at, unlessUsedSince));
  }

  private async recordUseNow(keyId: string, prefix: string, at: Date, unlessUsedSince: Date): Promise<void> {
    const stale = { $lt: [{ $ifNull: ['$lastUsedAt', new Date(0)] }, unlessUsedSince] };
    try {
      // The filter matches nothing when another replica recorded a use within the interval,
      // so the key's document is written at most once per interval.
      await this.keys.updateOne(
        { _id: keyId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: unlessUsedSince } }, { prefix: null }] },
        [{ $set: { lastUsedAt: { $cond: [stale, at, '$lastUsedAt'] }, prefix: { $ifNull: ['$prefix', prefix] } } }],
      );
    } catch (error) {
      throw translateMongoError(error, 'write');
    }
  }

  revokeAllOf(userId: UserId): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.keys.deleteMany({ userId });
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }
}

function toDocument(key: ApiKey, slot: number): ApiKeyDocument {
  return {
    _id: key.id,
    userId: key.userId,
    slot,
    label: key.label,
    prefix: key.prefix,
    digest: key.digest,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
  };
}

function toApiKey(document: ApiKeyDocument): ApiKey {
  return {
    id: document._id,
    userId: document.userId,
    label: document.label,
    prefix: document.prefix,
    digest: document.digest,
    createdAt: document.createdAt,
    lastUsedAt: document.lastUsedAt,
  };
}
