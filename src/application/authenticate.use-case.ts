import { ApiKey } from '../domain/api-key';
import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { InvalidApiKey, MissingApiKey } from '../domain/errors';
import { UserId } from '../domain/user';
import { UserRepository } from '../domain/user-repository.port';

/** Finds whose API key this is. Keys are looked up by digest, so no slow hash runs per request. */
export class Authenticate {
  constructor(
    private readonly users: UserRepository,
    private readonly apiKeys: ApiKeyIssuer,
  ) {}

  async execute(apiKey: string | undefined): Promise<UserId> {
    if (apiKey === undefined) throw new MissingApiKey();
    if (!ApiKey.isWellFormed(apiKey)) throw new InvalidApiKey();
    const user = await this.users.findByApiKeyDigest(this.apiKeys.digestOf(apiKey));
    if (!user) throw new InvalidApiKey();
    return user.id;
  }
}
