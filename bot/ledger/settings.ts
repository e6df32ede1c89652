// The ledger's own settings, checked by zod from the environment and .env (bot/core/settings.ts
// loads them once at start, with the rest).
import { z } from 'zod';
import { ConfigError } from '../config.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time of day such as 19:30' });

export const ledgerSettingsSchema = z.object({
  CONFIRM_WINDOW_DAYS: z.coerce
    .number({ message: 'CONFIRM_WINDOW_DAYS must be a number of days such as 7' })
    .positive({ message: 'CONFIRM_WINDOW_DAYS must be more than 0 (the default is 7)' })
    .max(90, { message: 'CONFIRM_WINDOW_DAYS must be at most 90' })
    .default(7),
  COVERAGE_TARGET_PCT: z.coerce
    .number({ message: 'COVERAGE_TARGET_PCT must be a percentage such as 100' })
    .min(1, { message: 'COVERAGE_TARGET_PCT must be between 1 and 100 (the default is 100)' })
    .max(100, { message: 'COVERAGE_TARGET_PCT must be between 1 and 100 (the default is 100)' })
    .default(100),
  REMIND_PARENT_AT: hhmm.default('19:30').describe('parent groups: the evening after delivery'),
  REMIND_WORK_AT: hhmm.default('16:00').describe('work groups: the next workday'),
  REMIND_MAX_ROUNDS: z.coerce
    .number({ message: 'REMIND_MAX_ROUNDS must be a whole number such as 2' })
    .int({ message: 'REMIND_MAX_ROUNDS must be a whole number such as 2' })
    .min(0, { message: 'REMIND_MAX_ROUNDS must be 0 (no reminders) or more' })
    .max(7, { message: 'REMIND_MAX_ROUNDS must be at most 7' })
    .default(2),
});

export interface LedgerSettings {
  windowMs: number;
  targetPct: number;
  remindParentAt: string;
  remindWorkAt: string;
  remindMaxRounds: number;
}

export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = {
  windowMs: 7 * 86_400_000,
  targetPct: 100,
  remindParentAt: '19:30',
  remindWorkAt: '16:00',
  remindMaxRounds: 2,
};

/** Parses the ledger settings; throws ConfigError listing each bad value with its fix. */
export function loadLedgerSettings(env: NodeJS.ProcessEnv = process.env): LedgerSettings {
  const blank = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const r = ledgerSettingsSchema.safeParse(blank);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => (i.message.startsWith(String(i.path[0])) ? i.message : `${String(i.path[0])} ${i.message}`)));
  }
  return {
    windowMs: r.data.CONFIRM_WINDOW_DAYS * 86_400_000,
    targetPct: r.data.COVERAGE_TARGET_PCT,
    remindParentAt: r.data.REMIND_PARENT_AT,
    remindWorkAt: r.data.REMIND_WORK_AT,
    remindMaxRounds: r.data.REMIND_MAX_ROUNDS,
  };
}
