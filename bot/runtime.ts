// Assembles the running bot for a list of WeChat accounts: account rows, the chat adapter and
// ChatPort per account, the inbound pipeline (commands → source capture → relay reconciliation →
// registry room events → ledger confirmations), delivery planning for captured posts, one relay worker per account, and
// the schedules. bot/main.ts (one account, the real puppet) and the demo (several accounts, mock
// puppets, virtual clock) both call it, so the demo runs exactly the production wiring.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseOutage } from './core/outage.ts';
import { createPipeline, type Account, type AppContext, type InboundHandler, type Pipeline } from './app.ts';
import type { Logger } from './log.ts';
import { createCommandHandler } from './commands/registry.ts';
import { checkJob, startSchedules, type JobContext, type ScheduledJob, type Schedules } from './core/scheduler.ts';
import type { Post } from './db/client.ts';
import { createPlanning } from './relay/plan.ts';
import { relayReconciler } from './relay/reconcile.ts';
import { startWorker, type RelayWorker } from './relay/worker.ts';
import { Pacer } from './relay/pacer.ts';
import { pacedChat } from './relay/paced-chat.ts';
import { accountBudget } from './relay/budget.ts';
import { ensureAccount, recordLoginState } from './registry/account.ts';
import { holdAccount, type AccountHold } from './registry/account-hold.ts';
import { createRegistryHandler } from './registry/groups.ts';
import { createActivityInbox } from './reports/activity-inbox.ts';
import { createSourceCapture } from './sources/inbound.ts';
import { createConfirmations } from './ledger/confirm.ts';
import { attachAdapter, createChatPort, idsChangeAtLogin, type WechatAdapter } from './wechat/adapter.ts';
import type { WechatBot } from './wechat/bot.ts';

/** Set by the compiled bot (bin/build.js): its schedules are compiled beside it. */
declare const __ANTIFRAUD_SCHEDULES_DIR__: string | undefined;
export const SCHEDULES_DIR = path.resolve(import.meta.dirname, typeof __ANTIFRAUD_SCHEDULES_DIR__ === 'undefined' ? '../schedules' : __ANTIFRAUD_SCHEDULES_DIR__);

export interface RuntimeBot {
  /** WECHATY_NAME of the account (BotAccount.name). */
  name: string;
  /** The puppet package name (chooses the renderings the relay uses). */
  puppet: string;
  wechat: WechatBot;
}

/** Settings come from ctx.settings (parsed once at start); these are the runtime's own options. */
export interface RuntimeOptions {
  /** A uniform [0, 1) source per account for the relay's gaps (the demo passes seeded ones). */
  random?: (account: string) => () => number;
  /** Preloaded schedules/ (default: loaded from the project's schedules/ now). */
  schedules?: LoadedSchedules;
  /** Pipeline steps after the built-in ones. */
  handlers?: InboundHandler[];
}

export interface Runtime {
  accounts: Account[];
  adapters: WechatAdapter[];
  workers: RelayWorker[];
  /** Resolves when every message seen so far has gone through the pipeline and the ledger. */
  settled(): Promise<void>;
  /** Stops schedules, workers and adapters (not the puppets' sessions: see bot/main.ts). */
  stop(): Promise<void>;
}

/** A schedules/ module: a ScheduledJob as its default export (or `job`). */
type ScheduleModule = { default?: unknown; job?: unknown };

export interface LoadedSchedules {
  jobs: ScheduledJob[];
  /** Job files that failed their check (not started; logged at start). */
  problems: string[];
}

/**
 * Imports schedules/*.ts. Separate from startRuntime because the demo must import them before it
 * installs the virtual clock (module loading waits on timers that the fake clock would hold).
 */
export async function loadSchedules(dir = SCHEDULES_DIR): Promise<LoadedSchedules> {
  const files = fs.readdirSync(dir).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const jobs: ScheduledJob[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as ScheduleModule;
    let job: ScheduledJob;
    try {
      job = checkJob(mod.default ?? mod.job, f);
    } catch (err) {
      // One bad job file must not stop the other schedules (or the bot): say so loudly.
      problems.push((err as Error).message);
      continue;
    }
    if (jobs.some((j) => j.id === job.id)) throw new Error(`schedule ${f}: the id "${job.id}" is used twice`);
    jobs.push(job);
  }
  return { jobs, problems };
}

/** The pipeline of one account in this process: nothing goes through while another process holds it. */
function gated(p: Pipeline, lock: AccountHold, log: Logger): Pipeline {
  const open = (what: string) => {
    if (lock.held()) return true;
    log.debug({ what }, 'bail out: another process drives this account');
    return false;
  };
  return {
    group: async (m, a) => (open('group message') ? p.group(m, a) : undefined),
    private: async (m, a) => (open('private message') ? p.private(m, a) : undefined),
    // (not held: nothing to do here, which is no failure; a take-over discovers the rooms again)
    room: async (e, a) => (open(`room event ${e.type}`) ? p.room(e, a) : true),
  };
}

/** Starts everything for `bots`; returns a handle that stops it again. */
export async function startRuntime(ctx: AppContext, bots: RuntimeBot[], opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = ctx.log.child({ name: 'runtime' });
  const settings = ctx.settings.relay;
  const sources = ctx.settings.sources;
  const workers: RelayWorker[] = [];
  const planning = createPlanning(ctx, settings, () => workers.forEach((w) => w.wake()));
  const onPostCaptured = async (post: Post): Promise<void> => {
    const r = await planning.post(post.id);
    log.info({ post: post.code, ...r }, 'deliveries planned');
  };
  // A group registered, resumed or switched to auto-forward gets the posts of the relevance period
  // now (the relay-plan-groups schedule is the safety net for other processes).
  const onGroupActivated = async (groupId: number): Promise<void> => {
    const r = await planning.lateGroup(groupId);
    if (r.pending) log.info({ group: groupId, ...r }, 'late group planned');
  };
  const confirmations = createConfirmations(ctx, { windowMs: ctx.settings.ledger.windowMs });
  const activities = createActivityInbox(ctx);
  const outage = new DatabaseOutage({ probe: () => ctx.db.pool.query('SELECT 1'), log: ctx.log });
  const pipeline = createPipeline(
    [
      createCommandHandler(ctx, { sources: { config: sources, onPostCaptured }, onGroupActivated, activities: activities.services }),
      createSourceCapture(ctx, { config: sources, onPostCaptured }),
      activities.handler,
      relayReconciler(ctx),
      createRegistryHandler(ctx),
      confirmations,
      ...(opts.handlers ?? []),
    ],
    ctx,
    { outage },
  );

  const accounts: Account[] = [];
  const adapters: WechatAdapter[] = [];
  const locks: AccountHold[] = [];
  const pacers: { raw: Account['chat']; pacer: Pacer }[] = [];
  for (const b of bots) {
    const row = await ensureAccount(ctx.db.prisma, b.name, b.puppet);
    // One pacer per account for everything it sends: the worker paces its posts on it, every
    // other sender (reminders, private lists, replies) goes through the paced port.
    const raw = createChatPort(b.wechat.wechaty, b.name, b.puppet);
    const pacer = new Pacer(settings.sending, opts.random?.(b.name) ?? Math.random);
    pacers.push({ raw, pacer });
    const account: Account = { id: row.id, name: b.name, chat: pacedChat(raw, pacer, ctx.clock, accountBudget(ctx.db.pool, row.id, settings.sending, ctx.config.timeZone, ctx.clock)) };
    accounts.push(account);
    const lock = holdAccount(ctx, account);
    await lock.first;
    locks.push(lock);
    const adapter = attachAdapter({
      wechaty: b.wechat.wechaty, account, pipeline: gated(pipeline, lock, log), clock: ctx.clock, log: ctx.log, idsChangeAtLogin: idsChangeAtLogin(b.puppet),
    });
    adapters.push(adapter);
    // Taken over from a process that stopped: the rooms are this process's to match now.
    lock.onTaken(() => adapter.rediscover());
    b.wechat.onStatus((s) => {
      void recordLoginState(ctx.db.prisma, account.id, { state: s.state, user: s.user, qrcode: s.qrcode, at: ctx.clock.now() }).catch((err) =>
        log.warn({ err: (err as Error).message, account: account.name }, 'could not record the login state'),
      );
    });
  }
  for (const b of bots) await b.wechat.start();
  // Nothing is claimed while an account is logged out (a claimed row would wait in `sending`),
  // nor by a process that does not hold the account.
  accounts.forEach((a, i) =>
    workers.push(
      startWorker(ctx, { ...a, chat: pacers[i].raw }, {
        settings,
        pacer: pacers[i].pacer,
        lock: locks[i].sender(),
        // (and not before its groups are re-matched to the rooms of this login: every id changed)
        online: () => bots[i].wechat.status().state === 'logged_in' && locks[i].held() && adapters[i].matched(),
      }),
    ),  );

  const { jobs, problems } = opts.schedules ?? (await loadSchedules());
  for (const p of problems) log.error(`${p} — this job is not started; the others run`);
  const jobContext: JobContext = { ...ctx, accounts, planning, onPostCaptured };
  const schedules: Schedules = startSchedules(jobContext, jobs);

  const settled = async () => {
    await Promise.all(adapters.map((a) => a.settled()));
    await confirmations.drain();
  };
  return {
    accounts,
    adapters,
    workers,
    settled,
    stop: async () => {
      await schedules.stop();
      await Promise.all(workers.map((w) => w.stop()));
      for (const a of adapters) a.detach();
      await confirmations.stop();
      await Promise.all(locks.map((l) => l.stop()));
      activities.stop();
      outage.stop();
    },
  };
}
