import bcrypt from 'bcrypt';
import { PasswordHasher } from '../../domain/password-hasher.port';

export class BcryptPasswordHasher implements PasswordHasher {
  constructor(private readonly rounds: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }
}
