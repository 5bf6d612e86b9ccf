import { ApiKeyIssuer } from '../domain/api-key-issuer.port';
import { ApiKeyRepository } from '../domain/api-key-repository.port';
import { Clock } from '../domain/clock.port';
import { PasswordHasher } from '../domain/password-hasher.port';
import { RateLimiter } from '../domain/rate-limiter.port';
import { Email, Password, User } from '../domain/user';
import { UserIdGenerator } from '../domain/user-id-generator.port';
import { UserRepository } from '../domain/user-repository.port';
import { issueApiKey } from './issue-api-key';

export interface Registration {
  readonly user: User;
  /** The plain API key of the user's first key: returned to the caller once and never stored. */
  readonly apiKey: string;
}

export class RegisterUser {
  constructor(
    private readonly users: UserRepository,
    private readonly keys: ApiKeyRepository,
    private readonly hasher: PasswordHasher,
    private readonly issuer: ApiKeyIssuer,
    private readonly ids: UserIdGenerator,
    private readonly clock: Clock,
    /** Registrations per client address: each one costs a bcrypt hash. */
    private readonly perAddress: RateLimiter,
  ) {}

  async execute(input: { email: unknown; password: unknown }, clientAddress: string): Promise<Registration> {
    const email = Email.parse(input.email);
    const password = Password.parse(input.password);
    // Only well-formed registrations count: they are the ones that cost a hash.
    await this.perAddress.consume(clientAddress);
    const passwordHash = await this.hasher.hash(password);
    const user: User = { id: this.ids.next(), email, passwordHash, createdAt: this.clock.now() };
    // The unique index decides between concurrent registrations of one email, so no read comes first.
    await this.users.add(user);
    const { key } = await issueApiKey({ keys: this.keys, issuer: this.issuer, clock: this.clock }, user.id, null);
    return { user, apiKey: key };
  }
}
