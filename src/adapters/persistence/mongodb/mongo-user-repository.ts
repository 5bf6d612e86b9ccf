import { Collection, Db } from 'mongodb';
import { EmailAlreadyRegistered } from '../../../domain/errors';
import { User } from '../../../domain/user';
import { UserRepository } from '../../../domain/user-repository.port';
import { isDuplicateKeyError, translateMongoError, withinTimeout } from './mongo-errors';
import { MongoUniqueIndexes, UniqueIndex } from './mongo-unique-indexes';

export const USERS_COLLECTION = 'users';

const EMAIL_INDEX: UniqueIndex = { key: { email: 1 }, name: 'email_unique', field: 'email' };
const API_KEY_DIGEST_INDEX: UniqueIndex = { key: { apiKeyDigest: 1 }, name: 'api_key_digest_unique', field: 'apiKeyDigest' };

export interface UserDocument {
  _id: string;
  email: string;
  passwordHash: string;
  apiKeyDigest: string;
  createdAt: Date;
}

export class MongoUserRepository implements UserRepository {
  private readonly users: Collection<UserDocument>;
  /** The unique indexes are what make registration race-free. */
  readonly uniqueIndexes: MongoUniqueIndexes;

  constructor(
    db: Db,
    private readonly timeoutMs = 1000,
  ) {
    this.users = db.collection<UserDocument>(USERS_COLLECTION);
    this.uniqueIndexes = new MongoUniqueIndexes(this.users as unknown as Collection, [EMAIL_INDEX, API_KEY_DIGEST_INDEX]);
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

  findByApiKeyDigest(digest: string): Promise<User | null> {
    return withinTimeout(this.timeoutMs, 'read', async () => {
      try {
        const document = await this.users.findOne({ apiKeyDigest: digest });
        return document && toUser(document);
      } catch (error) {
        throw translateMongoError(error);
      }
    });
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
