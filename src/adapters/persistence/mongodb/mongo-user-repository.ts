import { Collection, Db } from 'mongodb';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User, UserId } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { isDuplicateKeyError, translateMongoError } from './mongo-errors';

export const USERS_COLLECTION = 'users';

export interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export class MongoUserRepository implements UserRepository {
  private readonly users: Collection<UserDocument>;

  constructor(db: Db) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
  }

  /** The unique index is what makes registration race-free; created at start-up, idempotently. */
  async ensureIndexes(): Promise<void> {
    try {
      await this.users.createIndexes([{ key: { email: 1 }, name: 'email_unique', unique: true }]);
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  async add(user: User): Promise<void> {
    try {
      await this.users.insertOne(toDocument(user));
    } catch (error) {
      if (isDuplicateKeyError(error, 'email')) throw new EmailAlreadyRegistered();
      throw translateMongoError(error);
    }
  }

  async findByEmail(email: string): Promise<User | null> {
    try {
      const document = await this.users.findOne({ email });
      return document && toUser(document);
    } catch (error) {
      throw translateMongoError(error);
    }
  }

  async delete(userId: UserId): Promise<void> {
    try {
      await this.users.deleteOne({ _id: userId });
    } catch (error) {
      throw translateMongoError(error);
    }
  }
}

function toDocument(user: User): UserDocument {
  return { _id: user.id, email: user.email, passwordHash: user.passwordHash, createdAt: user.createdAt };
}

/** Field by field, so a field of an older document (apiKeyDigest) never leaks into the domain. */
function toUser(document: UserDocument): User {
  return { id: document._id, email: document.email, passwordHash: document.passwordHash, createdAt: document.createdAt };
}
