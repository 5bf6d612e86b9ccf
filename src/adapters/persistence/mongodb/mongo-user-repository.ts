import { Collection, Db } from 'mongodb';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { isDuplicateKeyError, translateMongoError } from './mongo-errors';

export const USERS_COLLECTION = 'users';

export interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  apiKeyDigest: string;
  createdAt: Date;
}

export class MongoUserRepository implements UserRepository {
  private readonly users: Collection<UserDocument>;

  constructor(db: Db) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
  }

  /** The unique indexes are what make registration race-free; created at start-up, idempotently. */
  async ensureIndexes(): Promise<void> {
    await this.users.createIndexes([
      { key: { email: 1 }, name: 'email_unique', unique: true },
      { key: { apiKeyDigest: 1 }, name: 'api_key_digest_unique', unique: true },
    ]);
  }

  async add(user: User): Promise<void> {
    try {
      await this.users.insertOne(toDocument(user));
    } catch (error) {
      if (isDuplicateKeyError(error, 'email')) throw new EmailAlreadyRegistered();
      throw translateMongoError(error);
    }
  }

  async findByApiKeyDigest(digest: string): Promise<User | null> {
    try {
      const document = await this.users.findOne({ apiKeyDigest: digest });
      return document && toUser(document);
    } catch (error) {
      throw translateMongoError(error);
    }
  }
}

function toDocument(user: User): UserDocument {
  return {
    _id: user.id,
    email: user.email,
    passwordHash: user.passwordHash,
    apiKeyDigest: user.apiKeyDigest,
    createdAt: user.createdAt,
  };
}

function toUser(document: UserDocument): User {
  return {
    id: document._id,
    email: document.email,
    passwordHash: document.passwordHash,
    apiKeyDigest: document.apiKeyDigest,
    createdAt: document.createdAt,
  };
}
