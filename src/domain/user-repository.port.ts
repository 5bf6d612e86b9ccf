import { User, UserId } from './user';

export interface UserRepository {
  /** Stores a new user; throws EmailAlreadyRegistered when the email is taken. */
  add(user: User): Promise<void>;
  /** `email` is normalised (Email.parse). */
  findByEmail(email: string): Promise<User | null>;
  delete(userId: UserId): Promise<void>;
}
