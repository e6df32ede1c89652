// Secrets generated once for the embedded deployment and kept under DATA_DIR (mode 0600).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LocalSecrets {
  postgresPassword: string;
  ledgerSecret: string;
}

/** Loads DATA_DIR/secrets.json, creating it (atomically) on first use. */
export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    if (parsed.postgresPassword && parsed.ledgerSecret) return parsed as LocalSecrets;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: LocalSecrets = {
    postgresPassword: crypto.randomBytes(18).toString('base64url'),
    ledgerSecret: crypto.randomBytes(32).toString('hex'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  try {
    fs.linkSync(tmp, file); // fails if another process won the race: then use theirs
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    fs.unlinkSync(tmp);
    return loadLocalSecrets(dataDir);
  }
  fs.unlinkSync(tmp);
  return secrets;
}
