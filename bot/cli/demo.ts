// antifraud demo (npm run demo): the simulated world with a virtual clock.
import type { Command } from 'commander';
import { t } from '../i18n.ts';
import { reportFailure } from './context.ts';

/** Registers the `demo` command. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(t('cli.help.demo'))
    .option('--scenario <file>', t('cli.help.demo_scenario'))
    .option('--json', t('cli.help.demo_json'))
    .option('--data-dir <dir>', t('cli.help.demo_data_dir'))
    .option('--keep', t('cli.help.demo_keep'))
    .action(async (opts: { scenario?: string; json?: boolean; dataDir?: string; keep?: boolean }) => {
      try {
        // Loaded on use: the simulated world pulls in Wechaty and the mock puppet (slow to import).
        const { runDemo } = await import('../demo/run.ts');
        const r = await runDemo(opts);
        if (r.kept && !opts.json) process.stdout.write(`${t('cli.demo_kept', { dir: r.dataDir })}\n`);
      } catch (err) {
        await reportFailure(err);
      }
    });
}
