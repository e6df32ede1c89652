// Which puppet packages can be loaded. Wechaty imports the puppet named by WECHATY_PUPPET only when
// it starts, and a missing package then fails deep inside it; the bot checks it at start instead.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Why the puppet package cannot be loaded (a sentence with the fix), or null when it is installed. */
export function puppetProblem(puppet: string): string | null {
  try {
    require.resolve(`${puppet}/package.json`);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Installed, but its package.json is not in its "exports": that is fine.
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return null;
    if (code === 'MODULE_NOT_FOUND') {
      return `WECHATY_PUPPET=${puppet}, but the package ${puppet} is not installed — run \`npm install ${puppet}\` in the bot's directory, or unset WECHATY_PUPPET to use wechaty-puppet-wechat4u`;
    }
    return `WECHATY_PUPPET=${puppet} cannot be loaded (${code ?? (err as Error).message}) — reinstall it with \`npm install ${puppet}\``;
  }
}
