import { ApiKey } from '../domain/api-key';
import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { UserId } from '../domain/user';

export class ListApiKeys {
  constructor(private readonly keys: ApiKeyRepository) {}

  /** Newest first; the records hold digests, never keys. */
  execute(userId: UserId): Promise<ApiKey[]> {
    return this.keys.listByUser(userId);
  }
}
