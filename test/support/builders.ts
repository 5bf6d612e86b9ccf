import { ApiKey } from '../../src/domain/api-key';
import { ApiKeyIssuer } from '../../src/domain/api-key-issuer.port';
import { Clock } from '../../src/domain/clock.port';
import { TooManyRequests } from '../../src/domain/errors';
import { PasswordHasher } from '../../src/domain/password-hasher.port';
import { RateLimiter } from '../../src/domain/rate-limiter.port';
import { User } from '../../src/domain/user';
import { UserIdGenerator } from '../../src/domain/user-id-generator.port';

export class FixedClock implements Clock {
  constructor(private instant = new Date('2026-01-02T03:04:05.000Z')) {}

  now(): Date {
    return new Date(this.instant);
  }

  advance(ms: number): void {
    this.instant = new Date(this.instant.getTime() + ms);
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

  async verify(password: string, hash: string | null): Promise<boolean> {
    return hash !== null && hash === `hashed:${password}`;
  }
}

/** Deterministic keys: inc_kkk…1, inc_kkk…2, ... in the real shape, digest = "digest:" + key, id = "key-N". */
export class PredictableApiKeys implements ApiKeyIssuer {
  private count = 0;

  issue() {
    this.count += 1;
    const key = `inc_${String(this.count).padStart(43, 'k')}`;
    return { id: `key-${this.count}`, key, digest: this.digestOf(key) };
  }

  digestOf(key: string): string {
    return `digest:${key}`;
  }
}

/** A fixed window of `points` attempts per `durationMs` on a clock the test moves. */
export class FakeRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { used: number; endsAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly points: number,
    private readonly durationMs: number,
  ) {}

  async consume(key: string): Promise<void> {
    const now = this.clock.now().getTime();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) this.windows.set(key, (window = { used: 0, endsAt: now + this.durationMs }));
    window.used += 1;
    if (window.used > this.points) throw new TooManyRequests(Math.ceil((window.endsAt - now) / 1000));
  }

  async refund(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (window) window.used -= 1;
  }

  used(key: string): number {
    return this.windows.get(key)?.used ?? 0;
  }
}

let built = 0;

export function aUser(overrides: Partial<User> = {}): User {
  built += 1;
  return {
    id: `user-${built}`,
    email: `user${built}@example.com`,
    passwordHash: `hash-${built}`,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    ...overrides,
  };
}

export function anApiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  built += 1;
  return {
    id: `key-${built}`,
    userId: 'ada',
    label: `laptop ${built}`,
    prefix: `pre${String(built).padStart(5, '0')}`,
    digest: `digest-${built}`.padEnd(64, '0'),
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + built * 1000),
    lastUsedAt: null,
    ...overrides,
  };
}
