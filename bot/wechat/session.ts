// The WeChat session lives in <name>.memory-card.json, which Wechaty writes non-atomically: a
// crash mid-write leaves a broken file and the next start needs a new QR scan. We keep a copy,
// written atomically after each login, and put it back when the file is unreadable at start.
import fs from 'node:fs';
import type { Logger } from '../log.ts';

/** The memory-card file of a Wechaty `name` (a path without the suffix). */
export function sessionFile(name: string): string {
  return `${name}.memory-card.json`;
}

function readable(file: string): boolean {
  try {
    JSON.parse(fs.readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Before start: replaces a broken session file by the last good copy (if any). */
export function restoreSession(file: string, log: Logger): 'ok' | 'none' | 'restored' | 'lost' {
  if (!fs.existsSync(file)) return 'none';
  if (readable(file)) return 'ok';
  const backup = `${file}.bak`;
  if (fs.existsSync(backup) && readable(backup)) {
    fs.copyFileSync(backup, file);
    log.warn({ file }, 'the WeChat session file was broken (interrupted write); restored the copy from the last login');
    return 'restored';
  }
  fs.renameSync(file, `${file}.broken`);
  log.warn({ file }, 'the WeChat session file was broken and no good copy exists; a new QR scan is needed (the broken file is kept as .broken)');
  return 'lost';
}

/** After a login: keeps an atomic copy of the session file. */
export function backupSession(file: string, log: Logger): boolean {
  if (!readable(file)) return false;
  const tmp = `${file}.bak.tmp`;
  fs.copyFileSync(file, tmp);
  fs.renameSync(tmp, `${file}.bak`);
  log.debug({ file }, 'WeChat session copy kept');
  return true;
}
