import { InvalidCredentials, InvalidEmail, InvalidPassword } from '../domain/errors';
import { PasswordHasher } from '../domain/password-hasher.port';
import { RateLimiter } from '../domain/rate-limiter.port';
import { Email, Password, UserId } from '../domain/user';
import { UserRepository } from '../domain/user-repository.port';

export interface PasswordLimits {
  /** Failed passwords per account (the normalised email, known or not). */
  readonly perAccount: RateLimiter;
  /** Failed passwords per client address. */
  readonly perAddress: RateLimiter;
}

/** Every address that Email.parse refuses shares one account bucket: no such account can exist. */
const NOT_AN_EMAIL = '(not an email address)';

/**
 * Logging in with email and password. A wrong email and a wrong password are the same
 * InvalidCredentials, and cost the same bcrypt comparison. Past a limit the answer is
 * TooManyRequests before any bcrypt work is done.
 */
export class AuthenticateWithPassword {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly limits: PasswordLimits,
  ) {}

  async execute(credentials: { email: string; password: string }, clientAddress: string): Promise<UserId> {
    const email = parsedOrNull(() => Email.parse(credentials.email));
    const account = email ?? NOT_AN_EMAIL;
    // Counted before the comparison, atomically in the store, so concurrent guesses cannot slip
    // past the limit together; a right password gives its attempt back below.
    await this.limits.perAddress.consume(clientAddress);
    try {
      await this.limits.perAccount.consume(account);
    } catch (error) {
      await this.limits.perAddress.refund(clientAddress);
      throw error;
    }
    const user = email === null ? null : await this.users.findByEmail(email);
    // A password registration would refuse (over 72 bytes: bcrypt would compare only the start
    // of it) can never be right; it still costs the comparison.
    const password = parsedOrNull(() => Password.parse(credentials.password));
    const matches = await this.hasher.verify(password ?? credentials.password, user?.passwordHash ?? null);
    if (!user || password === null || !matches) throw new InvalidCredentials();
    await Promise.all([this.limits.perAccount.refund(account), this.limits.perAddress.refund(clientAddress)]);
    return user.id;
  }
}

function parsedOrNull(parse: () => string): string | null {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidEmail || error instanceof InvalidPassword) return null;
    throw error;
  }
}
