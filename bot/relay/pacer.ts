// Pacing of one account's sends: a random gap between starts (start-to-start spacing follows the
// chosen gaps without drift, never below the minimum gap) and at most `perMinute` starts in any
// minute. One pacer per account paces everything it sends (bot/relay/paced-chat.ts): the relay
// worker's posts and every other message (reminders, private lists, command replies). A slot is
// reserved when it is handed out, so concurrent senders get successive slots; a command reply
// may take a free slot before a reserved one (it only keeps the minimum gap) but still counts.
import type { RelaySettings } from './settings.ts';

export interface Slot {
  /** When the send should start (epoch ms of the domain clock). */
  target: number;
  /** The random gap chosen for it (0 for the first send). */
  gap: number;
}

export class Pacer {
  private prevTarget: number | undefined;
  /** Starts and reserved slots, ascending (those older than a minute are dropped). */
  private slots: number[] = [];
  private beginLatency = 0;

  constructor(
    private readonly s: Pick<RelaySettings['sending'], 'gapMs' | 'perMinute'>,
    private readonly random: () => number,
  ) {}

  private prune(now: number): void {
    while (this.slots.length && this.slots[0] <= now - 60_000) this.slots.shift();
  }

  private add(t: number): void {
    let i = this.slots.length;
    while (i > 0 && this.slots[i - 1] > t) i--;
    this.slots.splice(i, 0, t);
  }

  /** Whether a start at `t` keeps the minimum gap to every other slot and the per-minute limit. */
  private free(t: number): boolean {
    const min = this.s.gapMs[0];
    if (this.slots.some((x) => Math.abs(x - t) < min)) return false;
    return this.slots.filter((x) => x > t - 60_000 && x <= t).length < this.s.perMinute
      && this.slots.filter((x) => x >= t && x < t + 60_000).length < this.s.perMinute;
  }

  /** The next send slot as of `now` (epoch ms), reserved. `reply`: the earliest free slot. */
  next(now: number, opts: { reply?: boolean } = {}): Slot {
    this.prune(now);
    const [min, max] = this.s.gapMs;
    if (opts.reply) {
      const candidates = [now, ...this.slots.map((x) => x + min)].filter((t) => t >= now).sort((a, b) => a - b);
      const target = candidates.find((t) => this.free(t)) ?? Math.max(now, (this.slots.at(-1) ?? now) + min);
      this.add(target);
      return { target, gap: 0 };
    }
    const gap = Math.round(min + this.random() * (max - min));
    const last = this.slots.at(-1);
    let target = now;
    if (last !== undefined) target = Math.max(this.prevTarget !== undefined ? this.prevTarget + gap : now, last + min, now);
    const recent = this.slots.filter((x) => x > now - 60_000);
    if (recent.length >= this.s.perMinute) target = Math.max(target, recent[recent.length - this.s.perMinute] + 60_000);
    this.prevTarget = target;
    this.add(target);
    return { target, gap: last === undefined ? 0 : gap };
  }

  /** Records that the send of `slot` started at `at` (it replaces the reservation). */
  started(slot: Slot, at: number): void {
    const i = this.slots.indexOf(slot.target);
    if (i >= 0) this.slots.splice(i, 1);
    this.add(at);
  }

  /** Gives back a reserved slot that was not used. */
  cancel(slot: Slot): void {
    const i = this.slots.indexOf(slot.target);
    if (i >= 0) this.slots.splice(i, 1);
  }

  /**
   * How long before a slot the durable "say began" commit should be issued, so its fsync overlaps
   * the gap instead of lengthening it: a bit more than its usual latency, at most 50 ms (a crash
   * inside the lead leaves an unsent row `unknown`: safe, and a short window).
   */
  get lead(): number {
    return Math.min(1.5 * this.beginLatency, 50);
  }

  /** Feeds the measured latency of one "say began" commit into `lead`. */
  measuredBegin(ms: number): void {
    this.beginLatency = 0.8 * this.beginLatency + 0.2 * ms;
  }
}
