import { ApiKeyLabel } from '../domain/api-key';
import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { Clock } from '../domain/clock.port';
import { UserId } from '../domain/user';
import { issueApiKey, NewApiKey } from './issue-api-key';

/** A further key for an authenticated user (by key or by password); refused past ApiKey.MAX_PER_USER. */
export class CreateApiKey {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly issuer: ApiKeyIssuer,
    private readonly clock: Clock,
  ) {}

  async execute(userId: UserId, label: unknown): Promise<NewApiKey> {
    return issueApiKey({ keys: this.keys, issuer: this.issuer, clock: this.clock }, userId, ApiKeyLabel.parse(label));
  }
}
