import { StorageUnavailable } from '../../../domain/errors';

/** Lock contention that outlasted the busy timeout becomes a 503 the client may retry; never a wrong number. */
export function translateSqliteError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') return new StorageUnavailable(error);
  return error;
}

export function isUniqueViolation(error: unknown, column: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && (message ?? '').includes(column);
}

/** The file or its folder cannot serve as the database; start-up stops with this message. */
export class SqliteStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqliteStartupError';
  }
}
