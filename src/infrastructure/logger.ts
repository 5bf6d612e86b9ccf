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
      formatters: { log: censorNestedSecrets },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token', 'headers.authorization', 'query.token'],
        censor: CENSOR,
      },
    },
    destination ?? linesByTurn(pino.destination({ dest: 1, sync: true })),
  );
}

/** Every destination's unwritten lines, written when the process exits: one listener for them all. */
const pendingAtExit = new Set<() => void>();
process.on('exit', () => pendingAtExit.forEach((writeOut) => writeOut()));

/** What a pipe takes whole (PIPE_BUF): workers sharing one stdout (WORKERS > 1) never split each other's writes. */
const ATOMIC_WRITE_BYTES = 4096;

/**
 * The lines of one turn of the event loop, written together at its end, synchronously, in
 * writes of at most 4096 bytes that hold whole lines.
 *
 * Asynchronous writes (sonic-boom) keep one write in flight, of at most maxWrite bytes, per turn:
 * under load a busy server logged faster than that and the backlog grew without bound (RSS 117 MB
 * to 517 MB over 2 million calls). A write per line at once keeps memory flat but costs a system
 * call per request. Here a turn's lines wait only for the turn's end (`setImmediate`), the writes
 * are synchronous (a log reader that falls behind slows the server instead of filling its
 * memory), and one write carries about 17 request lines. `flush` (pino's `logger.flush`, called
 * before every exit) and the process's exit write what is left; a line longer than 4096 bytes goes
 * alone, as before.
 */
export function linesByTurn(destination: pino.DestinationStream & { flush?(callback?: (error?: Error) => void): void }): pino.DestinationStream & {
  flush(callback?: (error?: Error) => void): void;
} {
  let pending = '';
  let pendingBytes = 0;
  let scheduled = false;
  const writeOut = () => {
    scheduled = false;
    if (pending === '') return;
    const lines = pending;
    pending = '';
    pendingBytes = 0;
    destination.write(lines);
  };
  pendingAtExit.add(writeOut);
  return {
    write(line: string) {
      const bytes = Buffer.byteLength(line);
      if (pendingBytes + bytes > ATOMIC_WRITE_BYTES) writeOut();
      pending += line;
      pendingBytes += bytes;
      if (!scheduled) {
        scheduled = true;
        setImmediate(writeOut);
      }
    },
    flush(callback) {
      writeOut();
      if (destination.flush) destination.flush(callback);
      else callback?.();
    },
  };
}

const CENSOR = '[redacted]';
const SECRET_FIELDS = ['password', 'apiKey'];

/**
 * What redact paths `*.password` and `*.apiKey` would do, at a fraction of the cost: pino's
 * redaction clones and serialises every top-level value of every line for a wildcard path, about
 * 5 µs a line, which the request line of every call paid. The line is copied only when it holds
 * a secret.
 */
function censorNestedSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let censored: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (typeof value !== 'object' || value === null || !SECRET_FIELDS.some((field) => Object.hasOwn(value, field))) continue;
    censored ??= { ...object };
    const copy: Record<string, unknown> = { ...value };
    for (const field of SECRET_FIELDS) if (Object.hasOwn(value, field)) copy[field] = CENSOR;
    censored[key] = copy;
  }
  return censored ?? object;
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
