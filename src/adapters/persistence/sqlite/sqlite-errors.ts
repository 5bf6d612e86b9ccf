import { StorageUnavailable } from '../../../domain/errors';

/** Another connection holds the lock this statement needs. */
export function isLockBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') === true || code === 'SQLITE_LOCKED';
}

/**
 * The store itself failed: a full disk, an I/O error, a file that went read-only or away.
 * Retrying later may work once an operator has acted; the request changed nothing.
 */
export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_IOERR' ||
    code.startsWith('SQLITE_IOERR_') ||
    code === 'SQLITE_READONLY' ||
    code.startsWith('SQLITE_READONLY_') ||
    code === 'SQLITE_CANTOPEN'
  );
}

/**
 * Lock contention that outlasted the wait, and faults of the disk under the file, become a 503
 * the client may retry; never a wrong number, never a 500.
 */
export function translateSqliteError(error: unknown): unknown {
  if (isLockBusy(error) || isStorageFault(error)) return new StorageUnavailable(error);
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
