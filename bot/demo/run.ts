// `antifraud demo`: the real bot (the same wiring as `npm start`, bot/runtime.ts) against the
// simulated world, on a fresh embedded database, with a virtual clock; prints progress and the
// coverage report (or JSON).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { DEFAULT_TIME_ZONE } from '../core/time.ts';
import { checkDataDir } from '../db/data-dir.ts';
import { openDatabase, type OpenDb } from '../db/open.ts';
import { SetupError } from '../errors.ts';
import { t } from '../i18n.ts';
import { loadLedgerSettings } from '../ledger/settings.ts';
import { createLogger, type Logger } from '../log.ts';
import { importOrg } from '../registry/org-import.ts';
import { loadRelaySettings, type RelaySettings } from '../relay/settings.ts';
import { loadSchedules, startRuntime, type Runtime } from '../runtime.ts';
import type { SourcesConfig } from '../sources/config.ts';
import { createWechatBot } from '../wechat/bot.ts';
import { createProgress, describeWorldEvent, formatReport, stamp } from './narrate.ts';
import { buildReport, type DemoReport } from './report.ts';
import { keyedRng } from './rng.ts';
import { loadScenario, scenarioEnd, scenarioOrgRows, type Scenario } from './scenario.ts';
import { installVirtualClock, keepConnectionsOpen, warmUpPrisma, type VirtualClock } from './virtual-clock.ts';
import { buildWorld, type WorldStats } from './world.ts';

export const DEFAULT_SCENARIO = path.resolve(import.meta.dirname, '../../content/scenarios/default.json');

export interface DemoOptions {
  scenario?: string;
  json?: boolean;
  /** Use this data directory (kept); default: a temporary one, removed at the end. */
  dataDir?: string;
  keep?: boolean;
  /** Where progress and the report go (default stdout). */
  out?: (line: string) => void;
  logLevel?: string;
  /** Use this PostgreSQL instead of an embedded one (tests); needs `ledgerSecret`. */
  databaseUrl?: string;
  ledgerSecret?: string;
}

export interface DemoResult {
  report: DemoReport;
  /** What the simulated world saw (sends, replies, faults), for tests. */
  world: WorldStats;
  dataDir: string;
  /** Set when the data directory was kept: the database is still there to inspect. */
  kept: boolean;
}

const PUPPET = 'wechaty-puppet-mock';

/** The scenario's channels and admins as the sources configuration. */
export function demoSources(s: Scenario): SourcesConfig {
  return {
    channels: s.channels.map((c) => ({ name: c.name, scope: c.scope })),
    feeds: [],
    admins: s.admins,
    pollMinutes: 30,
  };
}

/**
 * The production relay settings, with one change: an idle worker looks for due deliveries every
 * 30 simulated minutes instead of every 5 s. Planning wakes the workers in-process, and a worker
 * with pending deliveries sleeps until the next one is due, so nothing is sent later; the short
 * poll exists for planners in other processes, and would cost 240,000 clock steps a week.
 */
export function demoRelaySettings(): RelaySettings {
  const base = loadRelaySettings();
  return { ...base, sending: { ...base.sending, pollMs: 30 * 60_000 } };
}

/** The file that marks a data directory as the demo's own. */
export const DEMO_MARK = 'antifraud-demo.txt';

/**
 * A --data-dir for the demo: new, empty, or made by an earlier demo (it has DEMO_MARK). A directory
 * holding anything else — the bot's database, its secrets, a WeChat session — is refused: the demo
 * would import its org tree and send into its database.
 */
export function claimDemoDir(dir: string): string {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (entries.length && !entries.includes(DEMO_MARK)) {
    throw new SetupError(
      `--data-dir ${dir} holds data the demo did not make (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); the demo would change that database — give a new or empty directory (never the bot's DATA_DIR)`,
    );
  }
  checkDataDir(dir, { embedded: true });
  fs.writeFileSync(path.join(dir, DEMO_MARK), 'This directory belongs to `antifraud demo` (a simulated world); it may be deleted.\n');
  return dir;
}

/** Runs a scenario from start to end; returns the report (built from the database). */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const wallStart = performance.now();
  const scenario = loadScenario(opts.scenario ?? DEFAULT_SCENARIO);
  const print = opts.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const say = opts.json ? () => undefined : print;
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ? claimDemoDir(path.resolve(opts.dataDir)) : fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-demo-'));
  // The embedded server may run as another user (root → postgres): it must reach the directory.
  if (temporary) fs.chmodSync(dataDir, 0o755);
  const config: Config = loadConfig({
    DATA_DIR: dataDir, LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'warn', TZ: DEFAULT_TIME_ZONE, HTTP_PORT: '0',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl, LEDGER_SECRET: opts.ledgerSecret } : {}),
  });
  const log: Logger = createLogger({ level: config.logLevel, pretty: false, destination: process.stderr as never });

  let db: OpenDb | undefined;
  let vc: VirtualClock | undefined;
  let runtime: Runtime | undefined;
  try {
    keepConnectionsOpen();
    db = await openDatabase(config, log);
    if (db.embedded) {
      // A throw-away simulation: commits need not wait for the disk (PostgreSQL stays consistent,
      // only the last moments could be lost in a crash). This is the demo's own server only.
      await db.pool.query('ALTER SYSTEM SET synchronous_commit = off');
      await db.pool.query('SELECT pg_reload_conf()');
    }
    const imported = await importOrg(db.prisma, scenarioOrgRows(scenario));
    const codes = new Map(imported.created.map((c) => [c.name, c.code]));

    const world = buildWorld(scenario);
    const start = new Date(scenario.start);
    const end = scenarioEnd(scenario);
    say(
      t('demo.starting', {
        name: scenario.name, start: stamp(start), days: scenario.days, accounts: scenario.accounts.length, groups: scenario.groups.length,
        members: world.rooms.reduce((a, r) => a + r.members.length, 0), db: dataDir,
      }),
    );
    say(t('demo.org_imported', { units: imported.created.length }));

    await warmUpPrisma(db.prisma);
    const schedules = await loadSchedules();
    vc = installVirtualClock(start);
    const settings = { sources: demoSources(scenario), relay: demoRelaySettings(), ledger: loadLedgerSettings(process.env) };
    const ctx = { db, clock: vc.clock, log, config, settings, ledgerSecret: db.ledgerSecret };
    const bots = world.puppets().map((p) => ({
      name: p.account,
      puppet: PUPPET,
      wechat: createWechatBot({ name: p.account, puppet: PUPPET, puppetInstance: p.puppet, dataDir, log, printQr: false }),
    }));
    // One random source per account: two workers drawing from one would take turns in whatever
    // order the machine runs them, and the gaps (hence every send time) would differ run to run.
    runtime = await startRuntime(ctx, bots, { random: (account) => keyedRng(scenario.seed ^ 0x5eed, 'relay', account).next, schedules });
    world.login();

    world.onEvent((e) => {
      const line = describeWorldEvent(e);
      if (line) say(`[${stamp(e.at)}] ${line}`);
    });
    world.schedule(codes);
    const progress = createProgress(db.pool, say);
    // Progress lines only when someone reads them (--json prints the report alone).
    const ticker = opts.json ? undefined : setInterval(() => void progress().catch((err) => log.error({ err }, 'demo progress poll failed')), 30 * 60_000);
    await vc.runUntil(end);
    clearInterval(ticker);
    await runtime.stop();
    runtime = undefined;
    if (!opts.json) await progress();

    const report = await buildReport(db.pool, {
      scenario: scenario.name,
      start,
      end,
      wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
      throttles: world.stats.throttles,
      world: { memberReplies: world.stats.memberReplies, roomSends: world.stats.roomSends.length, refusedToRemovedGroup: world.stats.refusedToRemovedGroup },
    });
    vc.uninstall();
    vc = undefined;
    if (opts.json) print(JSON.stringify(report, null, 2));
    else {
      for (const line of formatReport(report)) print(line);
      print('');
      print(t('demo.finished', { seconds: report.wallSeconds, days: scenario.days }));
    }
    return { report, world: world.stats, dataDir, kept: !temporary || Boolean(opts.keep) };
  } finally {
    await runtime?.stop().catch(() => undefined);
    vc?.uninstall();
    await db?.shutdown().catch(() => undefined);
    if (temporary && !opts.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
