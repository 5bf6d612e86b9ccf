import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';
import { UserRepository } from '../domain/user-repository.port';

/**
 * Deletes the user, their keys and their sequences (with their idempotency keys). Keys go first, so the account stops
 * working at once, and the user last, so a deletion that fails midway can be retried with the
 * same password. A key created by a login racing with the deletion is swept up at the end.
 */
export class DeleteAccount {
  constructor(
    private readonly users: UserRepository,
    private readonly keys: ApiKeyRepository,
    private readonly sequences: SequenceRepository,
  ) {}

  async execute(userId: UserId): Promise<void> {
    await this.keys.revokeAllOf(userId);
    await this.sequences.deleteAllOf(userId);
    await this.users.delete(userId);
    await this.keys.revokeAllOf(userId);
  }
}
