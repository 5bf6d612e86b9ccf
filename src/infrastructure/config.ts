import { isIP } from 'node:net';
import { Sequences } from '../domain/sequence';

/** Configuration, read once from the environment and validated before anything starts. */
export const STORAGE_KINDS = ['sqlite', 'mongodb', 'memory'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly storage: StorageKind;
  readonly mongodbUrl?: string;
  readonly mongodbDb: string;
  readonly sqlitePath: string;
  readonly bcryptRounds: number;
  readonly logLevel: LogLevel;
  /** How long a request waits for the store (SQLite: for the write lock) before its 503. */
  readonly storageTimeoutMs: number;
  /** Connections the server holds open at most; more are closed as they arrive. */
  readonly maxConnections: number;
  /** How many sequences, `default` included, one account may hold. */
  readonly maxSequences: number;
  /** How many proxies in front of the service append to X-Forwarded-For; 0: the socket's address is the client's. */
  readonly trustProxy: number;
  readonly rateLimits: RateLimitsConfig;
  /** Server processes sharing the port (node:cluster); 1 serves from this process alone. */
  readonly workers: number;
}

/** Attempts per window; 0 attempts turns a limit off. */
export interface RateLimitConfig {
  readonly points: number;
  readonly durationSeconds: number;
}

export interface RateLimitsConfig {
  readonly failedPasswordsPerAccount: RateLimitConfig;
  readonly failedPasswordsPerAddress: RateLimitConfig;
  readonly registrationsPerAddress: RateLimitConfig;
}

/** Every variable the service reads; deployment files are checked against this list. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'STORAGE',
  'SQLITE_PATH',
  'MONGODB_URL',
  'MONGODB_DB',
  'BCRYPT_ROUNDS',
  'LOG_LEVEL',
  'STORAGE_TIMEOUT_MS',
  'MAX_CONNECTIONS',
  'MAX_SEQUENCES',
  'TRUST_PROXY',
  'RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT',
  'RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS',
  'RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS',
  'RATE_LIMIT_REGISTRATIONS_PER_ADDRESS',
  'RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS',
  'WORKERS',
] as const;

const DAY_SECONDS = 86_400;
const MAX_ATTEMPTS = 1_000_000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const value = (name: (typeof CONFIG_VARIABLES)[number]) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const integer = (name: (typeof CONFIG_VARIABLES)[number], fallback: number, min: number, max: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const oneOf = <T extends string>(name: (typeof CONFIG_VARIABLES)[number], allowed: readonly T[], fallback: T): T => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  const mongodbUrl = value('MONGODB_URL');
  // Durable by default: an embedded SQLite file, unless a MongoDB server is configured.
  const storage = oneOf('STORAGE', STORAGE_KINDS, mongodbUrl ? 'mongodb' : 'sqlite');
  // The URL may carry a password, so it is never echoed back.
  if (mongodbUrl !== undefined && !/^mongodb(\+srv)?:\/\/./.test(mongodbUrl)) {
    problems.push('MONGODB_URL must start with mongodb:// or mongodb+srv://');
  }
  if (storage === 'mongodb' && mongodbUrl === undefined) {
    problems.push('MONGODB_URL is required when STORAGE is mongodb');
  }
  const mongodbDb = value('MONGODB_DB') ?? 'thinkific_challenge';
  if (!/^[^/\\. "$*<>:|?]{1,63}$/.test(mongodbDb)) {
    problems.push(`MONGODB_DB must be a MongoDB database name of 1 to 63 characters without /\\. "$*<>:|? (got "${mongodbDb}")`);
  }

  const host = value('HOST') ?? '0.0.0.0';
  if (!isIP(host) && !isHostname(host)) {
    problems.push(`HOST must be an IP address or a host name (got "${host}")`);
  }

  const failedPasswordsWindow = integer('RATE_LIMIT_FAILED_PASSWORDS_WINDOW_SECONDS', 900, 1, DAY_SECONDS);
  const config: Config = {
    port: integer('PORT', 3000, 0, 65535),
    host,
    storage,
    mongodbUrl,
    mongodbDb,
    sqlitePath: value('SQLITE_PATH') ?? './data/increment.db',
    bcryptRounds: integer('BCRYPT_ROUNDS', 12, 4, 15),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    storageTimeoutMs: integer('STORAGE_TIMEOUT_MS', 1000, 1, 60_000),
    maxConnections: integer('MAX_CONNECTIONS', 1000, 1, 1_000_000),
    maxSequences: integer('MAX_SEQUENCES', Sequences.DEFAULT_MAX_PER_ACCOUNT, 1, 1_000_000),
    trustProxy: integer('TRUST_PROXY', 0, 0, 10),
    rateLimits: {
      failedPasswordsPerAccount: {
        points: integer('RATE_LIMIT_FAILED_PASSWORDS_PER_ACCOUNT', 5, 0, MAX_ATTEMPTS),
        durationSeconds: failedPasswordsWindow,
      },
      failedPasswordsPerAddress: {
        points: integer('RATE_LIMIT_FAILED_PASSWORDS_PER_ADDRESS', 20, 0, MAX_ATTEMPTS),
        durationSeconds: failedPasswordsWindow,
      },
      registrationsPerAddress: {
        points: integer('RATE_LIMIT_REGISTRATIONS_PER_ADDRESS', 10, 0, MAX_ATTEMPTS),
        durationSeconds: integer('RATE_LIMIT_REGISTRATIONS_WINDOW_SECONDS', 3600, 1, DAY_SECONDS),
      },
    },
    workers: integer('WORKERS', 1, 1, 64),
  };
  // Each worker is its own process: with the memory store each would keep its own counters and
  // hand out the same numbers as the others.
  if (config.workers > 1 && storage === 'memory') {
    problems.push(`WORKERS must be 1 with STORAGE=memory, whose counters live inside one process (got "${value('WORKERS')}")`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The entry points' first step: the configuration, or every problem on stderr and exit code 2. */
export function configOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/** RFC 1123 host names; all-digit names such as 999.1.1.1 are mistyped addresses, not names. */
function isHostname(host: string): boolean {
  const labels = host.split('.');
  return (
    host.length <= 253 &&
    labels.every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1])
  );
}
