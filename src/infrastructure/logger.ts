import pino, { Logger } from 'pino';
import { redactSecretsDeep } from '../adapters/logging/redact-secrets';
import { StorageUnavailable } from '../domain/errors';
import { LogLevel } from './config';

export interface LoggerOptions {
  /** How long identical storage errors stay quiet after one is logged. */
  readonly repeatIntervalMs?: number;
  readonly now?: () => number;
}

const REPEAT_INTERVAL_MS = 10_000;

/**
 * JSON lines on stdout. Credentials are redacted wherever a request or its headers
 * get logged, so a careless log call cannot leak an API key or password; a logged error
 * loses any key or URL password its message, stack or properties quote, and the raw
 * request body a body parser may have attached to it.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const storageErrors = repeatFilter(options.repeatIntervalMs ?? REPEAT_INTERVAL_MS, options.now ?? Date.now);
  return pino(
    {
      level,
      base: { service: 'increment' },
      hooks: {
        logMethod(args, write) {
          const fields = args[0] as unknown;
          const error = typeof fields === 'object' && fields !== null ? (fields as { err?: unknown }).err : undefined;
          if (!(error instanceof StorageUnavailable)) return write.apply(this, args);
          const suppressed = storageErrors(`${String(args[1])}|${describeCause(error.cause)}`);
          if (suppressed === null) return;
          const [, ...rest] = args;
          return write.apply(this, [{ ...(fields as object), suppressed }, ...rest] as unknown as Parameters<typeof write>);
        },
      },
      serializers: { err: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.query.token',
          'headers.authorization',
          'query.token',
          '*.password',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: lines logged while a write is in flight go out together in the next
    // one, so a busy server makes far fewer syscalls, and an idle one still logs at once.
    // main.ts flushes before the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return redactSecretsDeep(error);
  const { body: _body, ...serialised } = pino.stdSerializers.err(error) as Record<string, unknown>;
  return redactSecretsDeep(serialised);
}

/**
 * A full disk or a lost server fails every request the same way; logging each (157 MB in 20 s
 * in one test) would fill the disk further and bury everything else. The first of a kind is
 * logged, then none for the interval; the next one logged says how many were left out.
 * Returns that count, or null for a line to drop.
 */
function repeatFilter(intervalMs: number, now: () => number): (key: string) => number | null {
  const seen = new Map<string, { loggedAt: number; suppressed: number }>();
  return (key) => {
    const time = now();
    const entry = seen.get(key);
    if (entry && time - entry.loggedAt < intervalMs) {
      entry.suppressed += 1;
      return null;
    }
    // Keys come from driver error messages, a small set; the cap only guards against surprises.
    if (!entry && seen.size >= 100) seen.clear();
    seen.set(key, { loggedAt: time, suppressed: 0 });
    return entry?.suppressed ?? 0;
  };
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  return `${(cause as { code?: unknown }).code ?? cause.name}: ${cause.message}`;
}
