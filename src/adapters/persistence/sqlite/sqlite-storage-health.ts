import Database from 'better-sqlite3';
import { stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { StorageHealth } from '../../../domain/storage-health.port';
import { GroupCommit } from './group-commit';

/** Why the store is not fit to serve, for the log; the probe itself answers with the error's name. */
export class SqliteUnhealthy extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqliteUnhealthy';
  }
}

interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Healthy means: the file at SQLITE_PATH is still the file this process has open, it can be
 * read, and writes are not failing. A read alone would stay green on a full disk, and on a file
 * deleted or replaced under the running process, whose next restart would then start empty.
 */
export class SqliteStorageHealth implements StorageHealth {
  readonly adapter = 'sqlite';
  private readonly probe: Database.Statement;
  private readonly opened: FileIdentity;
  private lastProblem: string | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly writes: GroupCommit,
    /** Told once each time the store turns unhealthy, with the reason. */
    private readonly report: (problem: string) => void = () => {},
  ) {
    // Reads a page of the file itself, unlike SELECT 1, which SQLite answers without touching it.
    this.probe = db.prepare('SELECT COUNT(*) FROM sqlite_master');
    this.opened = statSync(file);
  }

  async ping(): Promise<void> {
    try {
      await this.check();
      this.lastProblem = null;
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== this.lastProblem) this.report(problem);
      this.lastProblem = problem;
      throw error;
    }
  }

  private async check(): Promise<void> {
    await this.checkSameFile();
    this.probe.all();
    const { sync } = this.writes;
    if (sync.failure !== null) {
      throw new SqliteUnhealthy(
        `syncing the WAL of ${this.file} failed (${(sync.failure as Error).message}); writes are refused until the service restarts`,
      );
    }
    if (sync.walReplaced()) {
      throw new SqliteUnhealthy(`${this.file}-wal was deleted or replaced while the service has it open; restart the service`);
    }
    if (this.writes.fault === null) return;
    // A pod that is not ready gets no requests, so it must find out by itself when the disk
    // has room again: it rewrites the header with the version it holds (read inside the write
    // transaction, so a newer process's migration is never undone), a real write that needs
    // disk space like any other and changes nothing.
    const fault = this.writes.fault as Error;
    await this.writes
      .run(() => this.db.pragma(`user_version = ${Number(this.db.pragma('user_version', { simple: true }))}`))
      .catch((error: unknown) => {
        throw new SqliteUnhealthy(`writes to ${this.file} fail: ${fault.message}`, { cause: error });
      });
  }

  private async checkSameFile(): Promise<void> {
    const now = await stat(this.file).catch(() => null);
    if (now === null) {
      throw new SqliteUnhealthy(`${this.file} was deleted while the service has it open; the next start would find an empty database`);
    }
    if (now.dev !== this.opened.dev || now.ino !== this.opened.ino) {
      throw new SqliteUnhealthy(`${this.file} was replaced by another file while the service has the old one open; restart to use the new one`);
    }
  }
}
