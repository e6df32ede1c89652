// antifraud demo (npm run demo): the simulated world with a virtual clock.
import type { Command } from 'commander';
import { reportFailure } from './context.ts';

/** Registers the `demo` command. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the bot in a simulated WeChat world (mock puppet, virtual clock, fresh database) and print the coverage report')
    .option('--scenario <file>', 'scenario file (JSON; default content/scenarios/default.json)')
    .option('--json', 'print a machine-readable report instead of the progress and the text report')
    .option('--data-dir <dir>', 'keep the database in this directory (default: a temporary directory, removed afterwards)')
    .option('--keep', 'keep the temporary data directory and print where it is')
    .action(async (opts: { scenario?: string; json?: boolean; dataDir?: string; keep?: boolean }) => {
      try {
        // Loaded on use: the simulated world pulls in Wechaty and the mock puppet (slow to import).
        const { runDemo } = await import('../demo/run.ts');
        const r = await runDemo(opts);
        if (r.kept && !opts.json) process.stdout.write(`data: ${r.dataDir}\n`);
      } catch (err) {
        await reportFailure(err);
      }
    });
}
