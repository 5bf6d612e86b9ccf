import { User } from './user';

export interface UserRepository {
  /** Stores a new user; throws EmailAlreadyRegistered when the email is taken. */
  add(user: User): Promise<void>;
  findByApiKeyDigest(digest: string): Promise<User | null>;
}
