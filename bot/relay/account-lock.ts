// The per-account advisory lock that makes one process the sender of a WeChat account. It is held
// on its own connection (which the worker also uses for its asynchronous-commit bookkeeping);
// closing that connection releases it. A dropped connection sets `lost`.
import type pg from 'pg';

const LOCK_CLASS = 0x7265; // "re": advisory-lock namespace of relay accounts

export class AccountLock {
  /** The connection holding the lock, while held. */
  client: pg.PoolClient | undefined;
  /** Set when the connection holding the lock failed: take it again. */
  lost = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly accountId: number,
  ) {}

  /** One attempt: true when this process now holds the lock. Throws when the database cannot be reached. */
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
      ok = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, this.accountId])).rows[0].ok;
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
