// The relay worker's pure steps: decide (skip / wait / send) and the pacer.
import { describe, expect, it } from 'vitest';
import { SendError } from '../../bot/chat-types.ts';
import { decide } from '../../bot/relay/decide.ts';
import type { ClaimedDelivery } from '../../bot/relay/deliveries.ts';
import { Pacer } from '../../bot/relay/pacer.ts';
import { classifySendError } from '../../bot/relay/send.ts';
import { loadRelaySettings } from '../../bot/relay/settings.ts';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);
const settings = loadRelaySettings();

function claimed(group: Partial<ClaimedDelivery['group']> = {}, urgent = false): ClaimedDelivery {
  return {
    id: 1, postId: 1, groupId: 1, attempts: 1, dueAt: bj('2026-11-27T09:00'), catchUp: false,
    post: { code: 'F1', kind: 'article', title: 't', summary: '', url: null, urgent, media: [], confirmWords: [], sourceName: 's' },
    group: { kind: 'work', status: 'active', statusReason: null, autoForward: true, roomId: 'r1', topic: 'g', settings: {}, memberCount: 3, orgUnitId: 1, ownerKey: 'k', ...group },
  };
}

describe('decide', () => {
  it('sends inside the window, waits for the next one outside it, skips what cannot be sent', () => {
    expect(decide(claimed(), bj('2026-11-27T09:00'), settings, TZ)).toEqual({ action: 'send' });
    expect(decide(claimed(), bj('2026-11-27T12:00'), settings, TZ)).toEqual({ action: 'wait', at: bj('2026-11-27T14:30') });
    expect(decide(claimed({ status: 'paused', statusReason: '老师暂停' }), bj('2026-11-27T09:00'), settings, TZ)).toEqual({ action: 'skip', reason: 'group paused: 老师暂停' });
    expect(decide(claimed({ kind: 'parent', autoForward: false }), bj('2026-11-27T19:00'), settings, TZ)).toEqual({ action: 'skip', reason: 'auto-forward is off for this parent group' });
    expect(decide(claimed({ roomId: null }), bj('2026-11-27T09:00'), settings, TZ)).toEqual({ action: 'skip', reason: 'no WeChat room is known for this group since the last login' });
    expect(decide(claimed({}, true), bj('2026-11-27T23:00'), settings, TZ)).toEqual({ action: 'wait', at: bj('2026-11-28T07:00') });
  });
});

describe('send errors', () => {
  it('only a SendError with sent: false is a refusal; anything else may have gone out', () => {
    expect(classifySendError(new SendError('Ret 1204', { sent: false, badTarget: true }))).toEqual({ outcome: 'refused', error: 'Ret 1204', throttled: false, badTarget: true, loggedOut: false });
    expect(classifySendError(new SendError('Ret 1101', { sent: false, badTarget: true, loggedOut: true }))).toMatchObject({ outcome: 'refused', badTarget: true, loggedOut: true });
    expect(classifySendError(new SendError('Ret 1205', { sent: false, throttled: true }))).toMatchObject({ outcome: 'refused', throttled: true, badTarget: false });
    expect(classifySendError(Object.assign(new Error('looks refused'), { opts: { sent: false, badTarget: true } }))).toEqual({ outcome: 'unknown', error: 'looks refused', throttled: false });
    expect(classifySendError(new SendError('timeout', { sent: 'unknown' }))).toMatchObject({ outcome: 'unknown' });
  });
});

describe('pacer', () => {
  it('spaces starts by the random gap without drift and keeps the per-minute limit', () => {
    const values = [0, 0.5, 1, 0.25];
    let i = 0;
    const pacer = new Pacer({ gapMs: [4000, 10_000], perMinute: 3 }, () => values[i++ % values.length]);
    const starts: number[] = [];
    let t = 0;
    for (let n = 0; n < 6; n++) {
      const slot = pacer.next(t);
      t = Math.max(t, slot.target);
      pacer.started(slot, t);
      starts.push(t);
    }
    // First at once; then gaps 7 s and 10 s; the 4th start waits for the minute after the 1st.
    expect(starts.slice(0, 3)).toEqual([0, 7000, 17_000]);
    expect(starts[3]).toBe(60_000);
    for (let k = 1; k < starts.length; k++) expect(starts[k] - starts[k - 1]).toBeGreaterThanOrEqual(4000);
    for (let k = 3; k < starts.length; k++) expect(starts[k] - starts[k - 3]).toBeGreaterThanOrEqual(60_000);
  });

  it('reserves slots for concurrent senders; a reply jumps the queue but keeps the gap and counts per minute', () => {
    const pacer = new Pacer({ gapMs: [5000, 5000], perMinute: 4 }, () => 0);
    // The relay worker and the reminders ask at the same moment: successive slots, not one.
    const a = pacer.next(0);
    const b = pacer.next(0);
    const c = pacer.next(0);
    expect([a.target, b.target, c.target]).toEqual([0, 5000, 10_000]);
    // A reply asked at 1 s: the earliest start 5 s from every reserved slot is after the last one.
    const r = pacer.next(1000, { reply: true });
    expect(r.target).toBe(15_000);
    pacer.cancel(b); // a reserved slot given back frees its place for the next reply
    expect(pacer.next(1000, { reply: true }).target).toBe(5000);
    // Four starts in the minute: the next post waits for the minute after the first.
    expect(pacer.next(1000).target).toBe(60_000);
  });
});
