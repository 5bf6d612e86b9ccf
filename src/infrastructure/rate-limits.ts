import { Container } from 'inversify';
import { Limit } from '../adapters/rate-limit/flexible-rate-limiter';
import { UnlimitedRateLimiter } from '../adapters/rate-limit/unlimited-rate-limiter';
import { RateLimiter } from '../domain/rate-limiter.port';
import { RateLimitsConfig } from './config';
import { TOKENS } from './tokens';

/** Names are the key prefixes in the store: they must stay stable across releases, or counts reset. */
export function bindRateLimits(container: Container, limits: RateLimitsConfig, store: (limit: Limit) => RateLimiter): void {
  const bind = (token: symbol, name: string, { points, durationSeconds }: { points: number; durationSeconds: number }) =>
    container.bind(token).toConstantValue(points === 0 ? new UnlimitedRateLimiter() : store({ name, points, durationSeconds }));
  bind(TOKENS.FailedPasswordsPerAccount, 'failed_passwords_account', limits.failedPasswordsPerAccount);
  bind(TOKENS.FailedPasswordsPerAddress, 'failed_passwords_address', limits.failedPasswordsPerAddress);
  bind(TOKENS.RegistrationsPerAddress, 'registrations_address', limits.registrationsPerAddress);
}
