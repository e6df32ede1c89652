// One `npm start` per DATA_DIR: its embedded database, session and secrets belong to one process.
// The lock is a file holding the pid (DATA_DIR/antifraud-relay.pid); a file left by a process that
// is gone (kill -9, power loss) is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { SetupError } from '../errors.ts';
import { alive } from './embedded.ts';

export interface DataDirLock {
  file: string;
  release(): void;
}

/** Takes the DATA_DIR lock of this process; throws a SetupError (one sentence) when it is held. */
export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'antifraud-relay.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return { file, release: () => releaseIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(file, 'utf8').trim());
    if (holder && holder !== process.pid && alive(holder)) {
      throw new SetupError(
        `another antifraud-relay process (pid ${holder}) is already running on DATA_DIR ${path.resolve(dataDir)} — ` +
          'stop it first, or give this one its own DATA_DIR (one per WeChat account, sharing a database through DATABASE_URL)',
      );
    }
    fs.rmSync(file, { force: true }); // left by a process that is gone
  }
  throw new SetupError(`could not take the lock file ${file} — remove it if no antifraud-relay process is running`);
}

function releaseIfOurs(file: string): void {
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
