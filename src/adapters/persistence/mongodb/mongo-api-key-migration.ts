import { Collection, Db, MongoServerError } from 'mongodb';
import { API_KEYS_COLLECTION, ApiKeyDocument } from './mongo-api-key-repository';
import { isDuplicateKeyError, translateMongoError } from './mongo-errors';
import { USERS_COLLECTION } from './mongo-user-repository';

/** A user as releases before api_keys stored it: the digest of its one key inside the user. */
interface LegacyUserDocument {
  _id: string;
  createdAt: Date;
  apiKeyDigest?: string;
  /** Set while one replica moves the key; left behind only if it stopped midway. */
  movingApiKeyDigest?: string;
}

const INDEX_NOT_FOUND = 27;
const NAMESPACE_NOT_FOUND = 26;

/**
 * Moves each user's key from users.apiKeyDigest into api_keys, where it keeps working: its id
 * is the user's, its slot the first, its prefix unknown until its next use. Runs at every
 * start and does nothing once done. Safe when replicas start together: a replica first claims
 * a user by renaming the field (one atomic update; only one replica's succeeds), then copies
 * the key with an upsert on its id, then removes the claim. A replica that stopped midway
 * leaves the claim, and the next start finishes the move. Returns how many keys it moved.
 */
export async function moveApiKeysOutOfUsers(db: Db): Promise<number> {
  const users = db.collection<LegacyUserDocument>(USERS_COLLECTION);
  const keys = db.collection<ApiKeyDocument>(API_KEYS_COLLECTION);
  try {
    // Unique on a field every moved user lacks: all of them would index as null and collide.
    // A sparse index takes its place, for moveApiKeyStoredInUser's lookups.
    await users.dropIndex('api_key_digest_unique').catch((error: unknown) => {
      if (!(error instanceof MongoServerError && [INDEX_NOT_FOUND, NAMESPACE_NOT_FOUND].includes(Number(error.code)))) throw error;
    });
    await users.createIndexes([{ key: { apiKeyDigest: 1 }, name: 'api_key_digest_not_moved', sparse: true }]);
    let moved = 0;
    const legacy = users.find(
      { $or: [{ apiKeyDigest: { $exists: true } }, { movingApiKeyDigest: { $exists: true } }] },
      { projection: { createdAt: 1, apiKeyDigest: 1, movingApiKeyDigest: 1 } },
    );
    for await (const user of legacy) if (await moveOne(users, keys, user)) moved += 1;
    return moved;
  } catch (error) {
    throw translateMongoError(error);
  }
}

/**
 * Moves the key of the user whose users.apiKeyDigest is `digest`, if there is one; true when
 * the key is in api_keys now. For keys a pod of the previous release issued while this release
 * was rolling out, after the start-up move had run: they would otherwise wait for the next start.
 */
export async function moveApiKeyStoredInUser(db: Db, digest: string): Promise<boolean> {
  const users = db.collection<LegacyUserDocument>(USERS_COLLECTION);
  try {
    const user = await users.findOne({ apiKeyDigest: digest }, { projection: { createdAt: 1, apiKeyDigest: 1 } });
    return user !== null && (await moveOne(users, db.collection<ApiKeyDocument>(API_KEYS_COLLECTION), user));
  } catch (error) {
    throw translateMongoError(error);
  }
}

async function moveOne(users: Collection<LegacyUserDocument>, keys: Collection<ApiKeyDocument>, user: LegacyUserDocument): Promise<boolean> {
  let digest = user.movingApiKeyDigest;
  if (user.apiKeyDigest !== undefined) {
    const claimed = await users.updateOne({ _id: user._id, apiKeyDigest: user.apiKeyDigest }, { $rename: { apiKeyDigest: 'movingApiKeyDigest' } });
    if (claimed.modifiedCount === 0) return false; // another replica is moving it
    digest = user.apiKeyDigest;
  }
  try {
    await keys.updateOne(
      { _id: user._id },
      { $setOnInsert: { userId: user._id, slot: 0, label: null, prefix: null, digest: digest!, createdAt: user.createdAt, lastUsedAt: null } },
      { upsert: true },
    );
  } catch (error) {
    // The key is there already: a replica that stopped after copying it.
    if (!isDuplicateKeyError(error)) throw error;
  }
  await users.updateOne({ _id: user._id, movingApiKeyDigest: digest }, { $unset: { movingApiKeyDigest: '' } });
  return true;
}
