import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { Clock } from '../domain/clock.port';
import { PasswordHasher } from '../domain/password-hasher.port';
import { Email, Password, User } from '../domain/user';
import { UserIdGenerator } from '../domain/user-id-generator.port';
import { UserRepository } from '../domain/user-repository.port';

export interface Registration {
  readonly user: User;
  /** The plain API key: returned to the caller once and never stored. */
  readonly apiKey: string;
}

export class RegisterUser {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly apiKeys: ApiKeyIssuer,
    private readonly ids: UserIdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(input: { email: unknown; password: unknown }): Promise<Registration> {
    const email = Email.parse(input.email);
    const password = Password.parse(input.password);
    const passwordHash = await this.hasher.hash(password);
    const apiKey = this.apiKeys.issue();
    const user: User = {
      id: this.ids.next(),
      email,
      passwordHash,
      apiKeyDigest: apiKey.digest,
      createdAt: this.clock.now(),
    };
    // The unique index decides between concurrent registrations of one email, so no read comes first.
    await this.users.add(user);
    return { user, apiKey: apiKey.key };
  }
}
