import { ApiKey } from './api-key';
import { UserId } from './user';

export type Revocation = 'revoked' | 'not_found' | 'last_key';

export interface ApiKeyRepository {
  /**
   * Stores the key unless its user already holds `limit` keys; then returns false and stores
   * nothing. Atomic: concurrent adds never take a user past the limit. An id or digest that is
   * stored already is refused with an error.
   */
  addWithinLimit(key: ApiKey, limit: number): Promise<boolean>;
  findByDigest(digest: string): Promise<ApiKey | null>;
  /** Every key of the user, newest first. */
  listByUser(userId: UserId): Promise<ApiKey[]>;
  /**
   * Deletes the user's key `keyId`, unless it is the user's last key. A key of another user is
   * 'not_found'. Concurrent revocations never leave a user without a key.
   */
  revoke(userId: UserId, keyId: string): Promise<Revocation>;
  /**
   * Records a use of the key at `at`, unless a use at or after `unlessUsedSince` is recorded
   * already (a missing prefix is filled in all the same); fills in a prefix that is missing. At most one write per key per interval, also
   * across processes.
   */
  recordUse(keyId: string, prefix: string, at: Date, unlessUsedSince: Date): Promise<void>;
  /** Deletes every key of the user (account deletion). */
  revokeAllOf(userId: UserId): Promise<void>;
}
