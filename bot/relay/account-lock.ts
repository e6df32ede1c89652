// The one per-account lock: a PostgreSQL session advisory lock in the namespace ACCOUNT_LOCK_CLASS,
// held on its own connection; closing that connection releases it. In the bot, the account hold
// (bot/registry/account-hold.ts) takes it for everything the process does with the account and
// lends it to the relay worker (`SenderLock`); a worker started alone (CLI, tests, benches) takes
// it itself with `AccountLock`. Both exclude each other: one process drives (and sends for) an account.
import type pg from 'pg';
import type { Queryable } from './deliveries.ts';

/** "ac": the advisory-lock namespace of bot accounts (the key is bot_account.id). */
export const ACCOUNT_LOCK_CLASS = 0x6163;

/** The lock as the relay worker uses it. */
export interface SenderLock {
  /** The connection holding the lock, while held (the worker's asynchronous-commit bookkeeping runs on it). */
  readonly client: Queryable | undefined;
  /** True when the lock is gone (its connection failed, or the worker saw an error on it): take it again. */
  lost: boolean;
  /** One attempt: true when this process now holds the lock. Throws when the database cannot be reached. */
  tryTake(): Promise<boolean>;
  /** Lets the lock go (when the worker owns it). */
  drop(): void;
}

/** The lock taken by a worker of its own (no account hold in the process). */
export class AccountLock implements SenderLock {
  client: pg.PoolClient | undefined;
  lost = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly accountId: number,
  ) {}

  async tryTake(): Promise<boolean> {
    const c = await this.pool.connect();
    // A checked-out client has no error listener of the pool's: a dropped connection must not
    // become an uncaught exception.
    const onError = () => {
      if (this.client === c) this.lost = true;
    };
    c.on('error', onError);
    let ok = false;
    try {
      ok = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ACCOUNT_LOCK_CLASS, this.accountId])).rows[0].ok;
      if (ok) await c.query('SET synchronous_commit = off');
    } catch (err) {
      c.release(true);
      throw err;
    }
    if (!ok) {
      c.removeListener('error', onError);
      c.release();
      return false;
    }
    this.lost = false;
    this.client = c;
    return true;
  }

  /** Lets the lock go (closing the connection: its session settings never reach the pool). */
  drop(): void {
    const c = this.client;
    this.client = undefined;
    c?.release(true);
  }
}
