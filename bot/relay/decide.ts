// The relay worker's first step: what to do with a claimed delivery now. Pure: the group's state,
// its relay windows and the clock decide; nothing is read or written here.
import type { ClaimedDelivery } from './deliveries.ts';
import { skipReason } from './plan.ts';
import type { RelaySettings } from './settings.ts';
import { nextSendTime } from './windows.ts';

export type Decision =
  /** The group cannot get posts (paused, left, opted out, no room, no window): the row ends `skipped`. */
  | { action: 'skip'; reason: string }
  /** Its window closed while it waited (throttle, cap, backlog): back to pending until `at`. */
  | { action: 'wait'; at: Date }
  | { action: 'send' };

/** Decides whether claimed delivery `d` is skipped, waits for its next window, or is sent now. */
export function decide(d: ClaimedDelivery, now: Date, settings: RelaySettings, tz: string): Decision {
  const reason =
    skipReason({ kind: d.group.kind, status: d.group.status, status_reason: d.group.statusReason, auto_forward: d.group.autoForward }) ??
    (d.group.roomId ? null : 'no WeChat room is known for this group since the last login');
  if (reason) return { action: 'skip', reason };
  const next = nextSendTime(d.post, d.group, now, settings, tz);
  if (!next) return { action: 'skip', reason: 'no relay window opens within 60 days' };
  if (next > now) return { action: 'wait', at: next };
  return { action: 'send' };
}
