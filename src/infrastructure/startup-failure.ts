import { WebPageNotBuilt } from '../adapters/http/web-page';
import { redactSecrets } from '../adapters/logging/redact-secrets';
import { MongoStartupError } from '../adapters/persistence/mongodb/mongo-startup-error';
import { SqliteStartupError } from '../adapters/persistence/sqlite/sqlite-errors';
import { Config } from './config';

/**
 * Why the service could not start, told twice: a JSON log line for machines, and one plain
 * sentence for the person at the terminal, naming the variable, its value (never a password) and
 * the fix. A foreseen failure's sentence says everything, so its line carries the cause once and
 * no stack; anything else is a bug, logged with its stack.
 */
export interface StartupFailure {
  readonly sentence: string;
  /** The error underneath a foreseen failure, e.g. "Error: EEXIST: file already exists, mkdir '/etc/hostname'". */
  readonly cause?: string;
  readonly foreseen: boolean;
}

const FORESEEN = [SqliteStartupError, MongoStartupError, WebPageNotBuilt];

export function describeStartupFailure(error: unknown, config: Pick<Config, 'host' | 'port'>): StartupFailure {
  if (FORESEEN.some((kind) => error instanceof kind)) {
    const { message, cause } = error as Error;
    return { sentence: redactSecrets(message), cause: cause instanceof Error ? redactSecrets(`${cause.name}: ${cause.message}`) : undefined, foreseen: true };
  }
  const listening = listenFailure(error as NodeJS.ErrnoException, config);
  if (listening) return { sentence: listening, cause: redactSecrets(`${(error as Error).name}: ${(error as Error).message}`), foreseen: true };
  return { sentence: `could not start: ${redactSecrets((error as Error).message)}`, foreseen: false };
}

function listenFailure({ code }: NodeJS.ErrnoException, { host, port }: Pick<Config, 'host' | 'port'>): string | undefined {
  switch (code) {
    case 'EADDRINUSE':
      return `PORT: ${port} on ${host} is in use by another program; stop it, or choose another PORT`;
    case 'EACCES':
      return `PORT: ${port} needs privileges this user lacks; choose a PORT from 1024 up`;
    case 'EADDRNOTAVAIL':
      return `HOST: ${host} is not an address of this machine; use 0.0.0.0, 127.0.0.1 or one of its own addresses`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST: ${host} is not a name this machine can resolve; use an IP address or a name it knows`;
    default:
      return undefined;
  }
}
