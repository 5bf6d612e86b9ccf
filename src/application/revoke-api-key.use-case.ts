import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { KeyNotFound, LastKey } from '../domain/errors';
import { UserId } from '../domain/user';

/**
 * Deletes one of the user's keys; it stops working with the next request, on every replica,
 * since authentication reads the store each time. The last key is kept, so an account cannot
 * lock itself out of the API by accident.
 */
export class RevokeApiKey {
  constructor(private readonly keys: ApiKeyRepository) {}

  async execute(userId: UserId, keyId: string): Promise<void> {
    const outcome = await this.keys.revoke(userId, keyId);
    if (outcome === 'not_found') throw new KeyNotFound();
    if (outcome === 'last_key') throw new LastKey();
  }
}
