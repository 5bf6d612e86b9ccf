import { closeSync, fstatSync, openSync, Stats, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { StorageUnavailable } from '../../../domain/errors';

/** What the group commit needs of a sync; a test holds one to see that nothing is answered early. */
export interface Durability {
  /** Resolves once every write committed before the call is on disk. */
  durable(): Promise<void>;
  /** Set for good once a sync failed. */
  readonly failure: unknown;
  walReplaced(): boolean;
  close(): Promise<void>;
}

/**
 * Makes commits durable off Node's thread: an fdatasync of the WAL file, run by a thread of
 * its own, one at a time; every commit made before a sync began is on disk when it returns.
 *
 * The connection commits at synchronous=NORMAL: SQLite writes the transaction's frames to the
 * WAL and returns without syncing (it still syncs around checkpoints). With synchronous=FULL
 * the COMMIT's own fsync held the only thread for about 0.3 ms a group under load, 13 % of the
 * time, while requests waited unread. Now the next group is read, run and committed while the
 * disk syncs the last, and no caller is answered before a sync that began after its commit has
 * returned. A sync covers the file, whichever process wrote it, so a number another process
 * on the file hands out after reading ours is on disk too when that process answers.
 *
 * Its own thread, not libuv's pool: four bcrypt hashes (logins, registrations) would fill the
 * pool for a quarter of a second each, and every next would wait behind them.
 *
 * A failed sync stays failed until the process restarts. Linux reports a write-back error
 * once and may have dropped the pages, so the WAL could have a hole that later syncs would
 * never report; answering later commits as durable could then lose numbers already handed out.
 * PostgreSQL stops for the same reason.
 */
export class WalSync implements Durability {
  private readonly fd: number;
  private readonly opened: Stats;
  private readonly worker: Worker;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** Callers whose commit the running sync covers, and those who asked after it began. */
  private running: Array<(error?: unknown) => void> | null = null;
  private waiting: Array<(error?: unknown) => void> = [];
  /** Syncs run, for tests and tuning. */
  readonly stats = { syncs: 0 };
  /** The error of the sync that failed, for good. */
  failure: unknown = null;

  /**
   * `wal`: the database's -wal file. It exists once a connection has read in WAL mode (opening
   * did), and lives as long as any connection to the file: SQLite deletes it when the last closes.
   */
  constructor(private readonly wal: string) {
    this.fd = openSync(wal, 'r+');
    this.opened = fstatSync(this.fd);
    this.worker = new Worker(SYNC_THREAD, { eval: true, workerData: { fd: this.fd, signal: this.signal } });
    // A sync in flight keeps the process alive (start() refs the thread, synced() unrefs it).
    this.worker.unref();
    this.worker.on('message', ({ error }: { error?: { code?: string; message: string } }) =>
      this.synced(error === undefined ? undefined : Object.assign(new Error(`fdatasync ${wal}: ${error.message}`), { code: error.code })),
    );
    this.worker.on('error', (error) => this.synced(error));
    this.worker.on('exit', (code) => this.synced(new Error(`the WAL sync thread exited with code ${code}`)));
  }

  durable(): Promise<void> {
    // Asked after a sync failed: by a read (writes are refused before they begin), whose value
    // may not be on disk. It is refused; nothing of the caller's was written.
    if (this.failure !== null) return Promise.reject(new StorageUnavailable(this.failure));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push((error) => (error === undefined ? resolve() : reject(error)));
      if (this.running === null) this.start();
    });
  }

  /**
   * The WAL's path no longer names the file being synced: it was deleted or replaced under the
   * process (a journal-mode switch by another program), so the syncs would miss the commits.
   */
  walReplaced(): boolean {
    try {
      const now = statSync(this.wal);
      return now.ino !== this.opened.ino || now.dev !== this.opened.dev;
    } catch {
      return true;
    }
  }

  /** Makes every commit so far durable, then stops the thread; durable() fails from then on. */
  async close(): Promise<void> {
    if (this.failure === null) await this.durable().catch(() => undefined);
    if (this.failure === null) this.failure = new Error('the SQLite store was closed');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    closeSync(this.fd);
  }

  private start(): void {
    this.running = this.waiting;
    this.waiting = [];
    this.stats.syncs += 1;
    this.worker.ref();
    Atomics.store(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  private synced(error: unknown): void {
    if (error !== undefined && this.failure === null) this.failure = error;
    const done = this.running ?? [];
    this.running = null;
    this.worker.unref();
    const outcome = error === undefined ? undefined : this.failed();
    for (const settle of done) settle(outcome);
    if (this.failure !== null) {
      for (const settle of this.waiting.splice(0)) settle(this.failed());
    } else if (this.waiting.length > 0) this.start();
  }

  /** The commit stands in the file but may not be on disk: the caller cannot know whether it counts. */
  private failed(): StorageUnavailable {
    return new StorageUnavailable(this.failure, { outcomeUnknown: true });
  }
}

/** The sync thread: waits for the signal, syncs, answers, and waits again. */
const SYNC_THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const { fdatasyncSync } = require('node:fs');
const { fd, signal } = workerData;
for (;;) {
  Atomics.wait(signal, 0, 0);
  Atomics.store(signal, 0, 0);
  try {
    fdatasyncSync(fd);
    parentPort.postMessage({});
  } catch (error) {
    parentPort.postMessage({ error: { code: error.code, message: error.message } });
  }
}
`;
