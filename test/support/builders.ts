import { Clock } from '../../src/domain/clock.port';
import { PasswordHasher } from '../../src/domain/password-hasher.port';
import { User } from '../../src/domain/user';
import { UserIdGenerator } from '../../src/domain/user-id-generator.port';

export class FixedClock implements Clock {
  constructor(private readonly instant = new Date('2026-01-02T03:04:05.000Z')) {}

  now(): Date {
    return new Date(this.instant);
  }
}

export class SequentialUserIds implements UserIdGenerator {
  private count = 0;

  next(): string {
    this.count += 1;
    return `user-${this.count}`;
  }
}

/** Reversible and fast: lets a test see exactly what was hashed. */
export class PlainTextPasswordHasher implements PasswordHasher {
  async hash(password: string): Promise<string> {
    return `hashed:${password}`;
  }
}

let built = 0;

export function aUser(overrides: Partial<User> = {}): User {
  built += 1;
  return {
    id: `user-${built}`,
    email: `user${built}@example.com`,
    passwordHash: `hash-${built}`,
    apiKeyDigest: `digest-${built}`.padEnd(64, '0'),
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    ...overrides,
  };
}
