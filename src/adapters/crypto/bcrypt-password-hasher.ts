import bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '../../domain/password-hasher.port';

export class BcryptPasswordHasher implements PasswordHasher {
  /**
   * The hash an unknown email's password is compared against. Made once, at the configured
   * cost, so the comparison takes as long as one against a real user's hash; nobody knows its
   * password. Started at construction, on libuv's thread pool, so it is ready by the first login.
   */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly rounds: number) {
    this.dummyHash = bcrypt.hash(randomBytes(32).toString('base64'), rounds);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  async verify(password: string, hash: string | null): Promise<boolean> {
    if (hash !== null) return bcrypt.compare(password, hash);
    await bcrypt.compare(password, await this.dummyHash);
    return false;
  }
}
