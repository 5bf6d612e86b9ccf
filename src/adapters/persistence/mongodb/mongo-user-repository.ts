import { Collection, Db } from 'mongodb';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User, UserId } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { isDuplicateKeyError, translateMongoError, withinTimeout } from './mongo-errors';
import { MongoUniqueIndexes, UniqueIndex } from './mongo-unique-indexes';

export const USERS_COLLECTION = 'users';

const EMAIL_INDEX: UniqueIndex = { key: { email: 1 }, name: 'email_unique', field: 'email' };

export interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export class MongoUserRepository implements UserRepository {
  private readonly users: Collection<UserDocument>;
  /** The unique index is what makes registration race-free. Keys have their own collection (api_keys). */
  readonly uniqueIndexes: MongoUniqueIndexes;

  constructor(
    db: Db,
    private readonly timeoutMs = 1000,
  ) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
    this.uniqueIndexes = new MongoUniqueIndexes(this.users as unknown as Collection, [EMAIL_INDEX]);
  }

  /** Created at start-up, idempotently. */
  async ensureIndexes(): Promise<void> {
    await this.uniqueIndexes.ensure();
  }

  add(user: User): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.uniqueIndexes.require();
        await this.users.insertOne(toDocument(user));
      } catch (error) {
        if (isDuplicateKeyError(error, EMAIL_INDEX)) throw new EmailAlreadyRegistered();
        throw translateMongoError(error, 'write');
      }
    });
  }

  findByEmail(email: string): Promise<User | null> {
    return withinTimeout(this.timeoutMs, 'read', async () => {
      try {
        const document = await this.users.findOne({ email });
        return document && toUser(document);
      } catch (error) {
        throw translateMongoError(error);
      }
    });
  }

  delete(userId: UserId): Promise<void> {
    return withinTimeout(this.timeoutMs, 'write', async () => {
      try {
        await this.users.deleteOne({ _id: userId });
      } catch (error) {
        throw translateMongoError(error, 'write');
      }
    });
  }
}

function toDocument(user: User): UserDocument {
  return { _id: user.id, email: user.email, passwordHash: user.passwordHash, createdAt: user.createdAt };
}

/** Field by field, so a field of an older document (apiKeyDigest) never leaks into the domain. */
function toUser(document: UserDocument): User {
  return { id: document._id, email: document.email, passwordHash: document.passwordHash, createdAt: document.createdAt };
}
