import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  readonly folder: string;
  /** Writes a filler file until the disk has no room left. */
  fill(): void;
  /** Deletes the filler: room again. */
  free(): void;
  unmount(): void;
}

/**
 * A tmpfs of the given size, so a test can run out of disk space for real. Needs root (or
 * CAP_SYS_ADMIN); returns null where mounting is not allowed, and the caller skips saying so.
 */
export function mountSmallDisk(sizeMiB: number): SmallDisk | null {
  const folder = mkdtempSync(path.join(tmpdir(), 'increment-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', folder], { stdio: 'ignore' });
  } catch {
    rmdirSync(folder);
    return null;
  }
  const filler = path.join(folder, 'filler');
  return {
    folder,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOSPC') throw error;
      }
      // The last partial block: down to the byte.
      try {
        for (;;) writeSync(fd, block, 0, 512);
      } catch {
        // ENOSPC: full.
      } finally {
        closeSync(fd);
      }
    },
    free() {
      unlinkSync(filler);
    },
    unmount() {
      execFileSync('umount', ['-l', folder], { stdio: 'ignore' });
      rmdirSync(folder);
    },
  };
}
