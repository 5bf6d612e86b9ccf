import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User, UserId } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';

/** Keeps users in process memory, with the same uniqueness rules as the real stores. */
export class InMemoryUserRepository implements UserRepository {
  private readonly byId = new Map<UserId, User>();
  private readonly idByEmail = new Map<string, UserId>();

  async add(user: User): Promise<void> {
    if (this.idByEmail.has(user.email)) throw new EmailAlreadyRegistered();
    if (this.byId.has(user.id)) throw new Error('Duplicate user id');
    // Copies in and out, so nobody can change a stored user by keeping a reference.
    this.byId.set(user.id, copy(user));
    this.idByEmail.set(user.email, user.id);
  }

  async findByEmail(email: string): Promise<User | null> {
    const id = this.idByEmail.get(email);
    return id === undefined ? null : copy(this.byId.get(id)!);
  }

  async delete(userId: UserId): Promise<void> {
    const user = this.byId.get(userId);
    if (!user) return;
    this.byId.delete(userId);
    this.idByEmail.delete(user.email);
  }
}

/** A user is flat apart from its Date, so this is a full copy. */
function copy(user: User): User {
  return { ...user, createdAt: new Date(user.createdAt) };
}
