// DATA_DIR must exist (or be creatable) and be writable before anything is put in it; run as root,
// the embedded server runs as the postgres user, which must also be able to walk down to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../errors.ts';

/**
 * Creates DATA_DIR when missing and checks that this user can write it; throws a SetupError that
 * says what to do. For a first start of the embedded database as root (`asRoot` defaults to uid 0)
 * it also checks that other users may enter every directory above it: initdb runs as the postgres
 * user and fails with a bare "Permission denied" otherwise.
 */
export function checkDataDir(dir: string, opts: { embedded: boolean; asRoot?: boolean }): void {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SetupError(
      `DATA_DIR ${abs} cannot be created (${e.code ?? e.message}: ${reason(e.code)}) — create it by hand and give this user write access, or set DATA_DIR to a directory you own`,
      { cause: err },
    );
  }
  if (!fs.statSync(abs).isDirectory()) throw new SetupError(`DATA_DIR ${abs} is a file, not a directory — set DATA_DIR to a directory`);
  try {
    fs.accessSync(abs, fs.constants.W_OK | fs.constants.X_OK);
    // accessSync says yes to root on a read-only file system: try a real write.
    const probe = path.join(abs, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SetupError(
      `DATA_DIR ${abs} cannot be written (${e.code ?? e.message}: ${reason(e.code)}) — give this user write access to it (chmod u+w), or set DATA_DIR to a writable directory`,
      { cause: err },
    );
  }
  const firstStart = !fs.existsSync(path.join(abs, 'postgres', 'PG_VERSION'));
  if (opts.embedded && firstStart && (opts.asRoot ?? os.userInfo().uid === 0)) {
    const closed = closedAncestor(abs);
    if (closed) {
      throw new SetupError(
        `run as root, the embedded database runs as the user postgres, which cannot enter ${closed.dir} (mode ${closed.mode}), a directory above DATA_DIR ${abs} — ` +
          `run \`chmod o+x ${closed.dir}\`, or set DATA_DIR to a directory outside it (e.g. /var/lib/antifraud-relay), or run the bot as an ordinary user`,
      );
    }
  }
}

/** The first directory from / down to `abs`'s parent that others may not enter (no o+x). */
function closedAncestor(abs: string): { dir: string; mode: string } | undefined {
  const parts = path.dirname(abs).split(path.sep).filter(Boolean);
  let dir: string = path.sep;
  for (const p of ['', ...parts]) {
    dir = p ? path.join(dir, p) : dir;
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) return { dir, mode: (mode & 0o777).toString(8).padStart(4, '0') };
  }
  return undefined;
}

function reason(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
      return 'a part of the path is a file';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return 'see the error code';
  }
}
