// The one rule of who receives posts automatically, read by the relay (skip reasons) and by the
// chat commands (#自动转发, #状态), so what the bot says and what it does cannot drift apart.

/** True when posts go to the group without an opt-in: a work group always; a class parent group after #自动转发 开. */
export function forwardsAutomatically(g: { kind: 'work' | 'parent' | 'source'; autoForward: boolean }): boolean {
  if (g.kind === 'work') return true;
  return g.kind === 'parent' && g.autoForward;
}
