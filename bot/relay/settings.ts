// Relay configuration: windows, calendar and rate limits from content/relay.yml, checked by zod
// once at start. Per-group overrides (chat_group.settings) are checked where they are used.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.ts';

export const RELAY_SETTINGS_FILE = path.resolve(import.meta.dirname, '../../content/relay.yml');

const hm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time of day "HH:MM" such as "08:30"' });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date "YYYY-MM-DD"' });

export const windowSchema = z
  .object({
    days: z.union([
      z.enum(['workdays', 'daily', 'weekends']),
      z.array(z.number().int().min(0).max(6)).min(1, { message: 'needs at least one weekday (0 = Sunday … 6 = Saturday)' }),
    ]),
    from: hm,
    to: hm,
  })
  .refine((w) => w.from < w.to, { message: 'a window must end after it starts on the same day (from < to)' });

export const quietSchema = z.object({ from: hm, to: hm });

/** What chat_group.settings may say about relaying. */
export const groupRelaySettingsSchema = z.object({
  windows: z.array(windowSchema).min(1).optional(),
  quiet: quietSchema.optional(),
});

const positive = (what: string) => z.number({ message: `${what} must be a number` }).int().positive({ message: `${what} must be above 0` });

export const relaySettingsSchema = z.object({
  windows: z.object({ work: z.array(windowSchema).min(1), parent: z.array(windowSchema).min(1) }),
  quiet: quietSchema,
  calendar: z.object({ holidays: z.array(day).default([]), extraWorkdays: z.array(day).default([]) }).default({ holidays: [], extraWorkdays: [] }),
  sending: z
    .object({
      gapMs: z
        .tuple([z.number().int().min(0), z.number().int().min(0)])
        .refine(([a, b]) => a <= b, { message: 'sending.gapMs is [min, max] with min ≤ max' }),
      perMinute: positive('sending.perMinute'),
      dailyCap: positive('sending.dailyCap'),
      claimBatch: positive('sending.claimBatch'),
      maxAttempts: positive('sending.maxAttempts'),
      retryBaseMs: z.number().int().min(0),
      sendTimeoutMs: positive('sending.sendTimeoutMs'),
      throttlePausesMin: z.array(positive('sending.throttlePausesMin')).min(1),
      pollMs: positive('sending.pollMs'),
      progressEvery: positive('sending.progressEvery'),
    }),
  planning: z.object({ relevanceDays: z.number().min(0, { message: 'planning.relevanceDays must be 0 or more' }) }),
});

export type RelaySettings = z.infer<typeof relaySettingsSchema>;
export type RelayWindow = z.infer<typeof windowSchema>;
export type QuietHours = z.infer<typeof quietSchema>;
export type GroupRelaySettings = z.infer<typeof groupRelaySettingsSchema>;

/** Checks parsed YAML; throws ConfigError naming every bad value and the file. */
export function parseRelaySettings(data: unknown, file = RELAY_SETTINGS_FILE): RelaySettings {
  const r = relaySettingsSchema.safeParse(data);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top)'} ${i.message}`));
  }
  return r.data;
}

/** Reads and checks content/relay.yml (or `file`). */
export function loadRelaySettings(file = RELAY_SETTINGS_FILE): RelaySettings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read the relay settings ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new ConfigError([`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseRelaySettings(data, file);
}
