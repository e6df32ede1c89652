// Builds and starts the Wechaty bot for one WeChat account (the only place that creates one).
import path from 'node:path';
import qrcodeTerminal from 'qrcode-terminal';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import type { Logger } from '../log.ts';
import { backupSession, restoreSession, sessionFile } from './session.ts';

export type LoginState = 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out' | 'error';

export interface LoginStatus {
  state: LoginState;
  /** The QR code payload while waiting for a scan (render it as a QR image). */
  qrcode?: string;
  user?: string;
  error?: string;
  since: Date;
}

export interface WechatBotOptions {
  name: string;
  /** Where the session (memory card) is kept; default: the working directory. */
  dataDir?: string;
  puppet: string;
  /** Puppet instance (tests and the demo pass a mock); otherwise built from `puppet`. */
  puppetInstance?: unknown;
  log: Logger;
  /** Print the QR code in the terminal (default: only when stdout is a terminal, never into a log file). */
  printQr?: boolean;
}

export interface WechatBot {
  wechaty: Wechaty;
  status(): LoginStatus;
  onStatus(fn: (s: LoginStatus) => void): void;
  start(): Promise<void>;
}

/**
 * Tells the operator a QR code waits for a scan. The code itself (a login credential while it is
 * valid) goes only to a terminal and to the dashboard (Accounts), never into a log file: the log
 * line carries neither the picture nor the payload.
 */
export function showLoginQr(
  qrcode: string,
  o: { terminal: boolean; write: (text: string) => void; log: Logger; scanStatus?: number },
): void {
  if (o.terminal) {
    o.log.info({ scanStatus: o.scanStatus }, 'waiting for WeChat login: scan the QR code below with the bot account\'s WeChat (also on the dashboard, Accounts)');
    qrcodeTerminal.generate(qrcode, { small: true }, (art: string) => o.write(art + '\n'));
  } else {
    o.log.info({ scanStatus: o.scanStatus }, 'waiting for WeChat login: scan the QR code on the dashboard (Accounts), or start the bot in a terminal to see it there');
  }
}

/** Builds the bot and tracks its login state; does not start it. */
export function createWechatBot(opts: WechatBotOptions): WechatBot {
  const log = opts.log.child({ name: 'wechat', account: opts.name });
  // WechatyBuilder needs the name explicitly: WECHATY_NAME alone is ignored.
  // The session lives in <name>.memory-card.json; a path keeps it under DATA_DIR.
  const name = opts.dataDir ? path.join(opts.dataDir, opts.name) : opts.name;
  restoreSession(sessionFile(name), log);
  const wechaty = WechatyBuilder.build({
    name,
    puppet: (opts.puppetInstance ?? opts.puppet) as never,
  });
  let status: LoginStatus = { state: 'starting', since: new Date() };
  const listeners: ((s: LoginStatus) => void)[] = [];
  const set = (next: Omit<LoginStatus, 'since'>) => {
    status = { ...next, since: new Date() };
    for (const fn of listeners) fn(status);
  };

  wechaty.on('scan', (qrcode, code) => {
    if (!qrcode) return;
    set({ state: 'waiting_scan', qrcode });
    showLoginQr(qrcode, { terminal: opts.printQr ?? Boolean(process.stdout.isTTY), write: (t) => process.stdout.write(t), log, scanStatus: code });
  });
  wechaty.on('login', (user) => {
    set({ state: 'logged_in', user: user.name() });
    log.info({ user: user.name() }, 'logged in to WeChat');
    // The puppet saves the session right after `login`; keep a copy once it has.
    setTimeout(() => {
      try {
        backupSession(sessionFile(name), log);
      } catch (err) {
        log.warn({ err }, 'could not keep a copy of the WeChat session');
      }
    }, 5_000).unref();
  });
  wechaty.on('logout', (user, reason) => {
    set({ state: 'logged_out', user: user?.name() });
    log.warn({ reason }, 'logged out of WeChat: scan the new QR code to log in again');
  });
  // wechat4u retries by itself and repeats the same error many times a second when WeChat is
  // unreachable: log each distinct error once a minute.
  const lastLogged = new Map<string, number>();
  let suppressed = 0;
  wechaty.on('error', (err) => {
    const message = (err as Error)?.message ?? String(err);
    const now = Date.now();
    if (now - (lastLogged.get(message) ?? 0) >= 60_000) {
      lastLogged.set(message, now);
      const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|socket hang up/.test(message);
      log.error(
        { error: message, repeatsSinceLast: suppressed },
        offline
          ? 'cannot reach the WeChat servers — check this machine\'s network; the puppet keeps retrying'
          : 'puppet error (the puppet keeps retrying)',
      );
      suppressed = 0;
    } else suppressed++;
    if (status.state !== 'logged_in') set({ state: 'error', error: message });
  });

  return {
    wechaty,
    status: () => status,
    onStatus: (fn) => void listeners.push(fn),
    start: async () => {
      log.info({ puppet: opts.puppet }, 'starting the WeChat puppet');
      try {
        await wechaty.start();
      } catch (err) {
        set({ state: 'error', error: (err as Error).message });
        throw err;
      }
    },
  };
}
