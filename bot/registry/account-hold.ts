// One process drives an account: a PostgreSQL session advisory lock per account, held on its own
// connection. A process without it changes nothing of that account (no re-matching, no room ids,
// no registrations: its inbound events are dropped; its relay worker claims nothing) and stands
// by; it takes over when the holder stops or its connection dies (the lock goes with the session).
// It is the one account lock (bot/relay/account-lock.ts): the relay worker sends under it (`sender()`).
import pg from 'pg';
import type { Account, AppContext } from '../app.ts';
import { ACCOUNT_LOCK_CLASS, type SenderLock } from '../relay/account-lock.ts';

export interface AccountHold {
  /** Whether this process holds the account now. */
  held(): boolean;
  /** Called each time the lock is taken (first time and after a take-over). */
  onTaken(fn: () => void): void;
  /** The lock lent to the account's relay worker: held while the account is held, on the same connection. */
  sender(): SenderLock;
  /** Resolves after the first attempt (taken or standing by). */
  readonly first: Promise<void>;
  stop(): Promise<void>;
}

/** Starts taking (and keeping) the lock of `account`; polls every `pollMs` while another holds it. */
export function holdAccount(ctx: AppContext, account: Account, opts: { pollMs?: number } = {}): AccountHold {
  const log = ctx.log.child({ name: 'account-hold', account: account.name });
  const pollMs = opts.pollMs ?? 5_000;
  const listeners: (() => void)[] = [];
  let client: pg.Client | undefined;
  let held = false;
  let stopping = false;
  let standingByLogged = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> = Promise.resolve();

  async function tryTake(): Promise<void> {
    if (stopping || held) return;
    const c = new pg.Client({ connectionString: ctx.db.url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const ok = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ACCOUNT_LOCK_CLASS, account.id])).rows[0].ok;
      if (!ok || stopping) {
        await c.end().catch(() => undefined);
        if (!ok && !standingByLogged) log.warn('another process drives this account; standing by (nothing of it is changed here) until it stops');
        standingByLogged = true;
        return;
      }
      // The worker's delivery-log bookkeeping runs on this connection (asynchronous commits;
      // the durable "say began" mark goes through the pool).
      await c.query('SET synchronous_commit = off');
      client = c;
      held = true;
      c.on('error', () => lost());
      c.on('end', () => lost());
      log.info(standingByLogged ? 'took the account over from a process that stopped' : 'holding the account lock');
      standingByLogged = false;
      for (const fn of listeners) fn();
    } catch (err) {
      await c.end().catch(() => undefined);
      log.error({ err: (err as Error).message }, 'cannot reach the database to take the account lock; retrying');
    }
  }

  function lost(): void {
    if (!held) return;
    held = false;
    client = undefined;
    if (!stopping) log.warn('the connection holding the account lock ended; taking the lock again');
  }

  const tick = () => {
    attempt = tryTake().finally(() => {
      if (!stopping) timer = setTimeout(tick, pollMs);
    });
  };
  tick();
  const first = attempt;

  // Set by the worker when a statement on the lock's connection failed: it takes the lock "again"
  // (recovering its rows) once the hold has (or still has) it.
  let senderLost = false;
  const sender: SenderLock = {
    get client() {
      return held ? client : undefined;
    },
    get lost() {
      return !held || senderLost;
    },
    set lost(v: boolean) {
      senderLost = v;
    },
    tryTake: async () => {
      if (!held) return false;
      senderLost = false;
      return true;
    },
    drop: () => undefined, // the hold keeps the lock; it ends with stop()
  };

  return {
    first,
    sender: () => sender,
    held: () => held,
    onTaken: (fn) => void listeners.push(fn),
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await attempt;
      held = false;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
