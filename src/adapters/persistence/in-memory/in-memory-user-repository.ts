import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';

/** Keeps users in process memory, with the same uniqueness rules as the real stores. */
export class InMemoryUserRepository implements UserRepository {
  private readonly byId = new Map<string, User>();
  private readonly idByEmail = new Map<string, string>();
  private readonly idByDigest = new Map<string, string>();

  async add(user: User): Promise<void> {
    if (this.idByEmail.has(user.email)) throw new EmailAlreadyRegistered();
    if (this.idByDigest.has(user.apiKeyDigest) || this.byId.has(user.id)) {
      throw new Error('Duplicate user id or API key digest');
    }
    // Copies in and out, so nobody can change a stored user by keeping a reference.
    this.byId.set(user.id, copy(user));
    this.idByEmail.set(user.email, user.id);
    this.idByDigest.set(user.apiKeyDigest, user.id);
  }

  async findByApiKeyDigest(digest: string): Promise<User | null> {
    const id = this.idByDigest.get(digest);
    return id === undefined ? null : copy(this.byId.get(id)!);
  }
}

/** A user is flat apart from its Date, so this is a full copy (and far cheaper than structuredClone on the hot path). */
function copy(user: User): User {
  return { ...user, createdAt: new Date(user.createdAt) };
}
