// Configuration: one zod schema over the environment (and an optional .env file), parsed once
// at start. Every message says how to fix the value.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { DEFAULT_TIME_ZONE, isTimeZone } from './core/time.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;


const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const configSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, {
        message: 'DATABASE_URL is not a postgresql:// URL — unset it to use the embedded database',
      })
      .optional(),
  ),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  WECHATY_PUPPET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(@[\w.-]+\/)?wechaty-puppet-[\w.-]+$/, {
        message:
          'WECHATY_PUPPET must name a Wechaty puppet package such as wechaty-puppet-wechat4u (the default) or wechaty-puppet-service',
      })
      .default('wechaty-puppet-wechat4u'),
  ),
  WECHATY_NAME: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[\w.-]{1,64}$/, {
        message:
          'WECHATY_NAME names the bot account and its session file: use letters, digits, "-", "_" or "." (e.g. relay-1)',
      })
      .default('antifraud-relay'),
  ),
  HTTP_PORT: z.preprocess(
    (v) => blankToUndefined(v) ?? '8080',
    z
      .string()
      // Decimal digits only: Number() would read 0x1F90, 1e3 or 8080.0 as ports.
      .regex(/^\s*\d{1,5}\s*$/, { message: 'HTTP_PORT must be a port number such as 8080, in decimal digits (0 turns the dashboard off)' })
      .transform(Number)
      .pipe(z.number().max(65535, { message: 'HTTP_PORT must be between 0 and 65535 (0 turns the dashboard off)' })),
  ),
  HTTP_HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  TZ: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(isTimeZone, { message: `TZ is not a known IANA time zone — use e.g. ${DEFAULT_TIME_ZONE} (the default)` })
      .default(DEFAULT_TIME_ZONE),
  ),
  LEDGER_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .min(32, {
        message: 'LEDGER_SECRET must be at least 32 characters — generate one with `openssl rand -hex 32`',
      })
      .optional(),
  ),
  SOURCES_FILE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((f) => fs.existsSync(f), {
        message: 'SOURCES_FILE names a file that does not exist — give the path of a YAML file like content/sources.yml, or unset it',
      })
      .optional(),
  ),
  SMTP_URL: z.preprocess(
    blankToUndefined,
    z.string().regex(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must look like smtp://user:password@mail.example.org:587 (or smtps://…:465), or be unset to send no e-mail' }).optional(),
  ),
  SMTP_FROM: z.preprocess(blankToUndefined, z.string().regex(/^[^@\s]+@[^@\s]+$|<[^@\s]+@[^@\s]+>$/, { message: 'SMTP_FROM must be an address such as antifraud@edu.qinzhou.gov.cn' }).optional()),
  REPORT_MAIL_TO: z.preprocess(
    blankToUndefined,
    z.string().refine((s) => s.split(',').every((a) => /^[^@\s]+@[^@\s]+$/.test(a.trim())), { message: 'REPORT_MAIL_TO must be e-mail addresses separated by commas' }).optional(),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? blankToUndefined(v.toLowerCase()) : v),
    z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  puppet: string;
  botName: string;
  httpPort: number;
  httpHost: string;
  timeZone: string;
  ledgerSecret?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Extra sources (channels, feeds, admins) added to content/sources.yml. */
  sourcesFile?: string;
  /** E-mail of the summaries (SMTP_URL, SMTP_FROM, REPORT_MAIL_TO), when configured. */
  mail?: { url: string; from: string; to: string[] };
}

/** Raised when the configuration is invalid; `problems` holds one sentence per bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads KEY=VALUE pairs from a .env file if present; the real environment wins. */
export function readEnvFile(file = path.resolve('.env')): Record<string, string> {
  try {
    return parseDotenv(fs.readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError([`cannot read ${file}: ${(err as Error).message}`]);
  }
}

/** Parses the configuration once; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile: Record<string, string> = {}): Config {
  const merged = { ...envFile, ...env };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const c = parsed.data;
  if (c.DATABASE_URL && !c.LEDGER_SECRET) {
    throw new ConfigError([
      'LEDGER_SECRET is required when DATABASE_URL names a shared server: every bot process must use the same ' +
        'secret, or one member would be counted twice. Generate one with `openssl rand -hex 32` and set it for every process',
    ]);
  }
  if (c.SMTP_URL && (!c.SMTP_FROM || !c.REPORT_MAIL_TO)) {
    throw new ConfigError(['SMTP_URL is set, so SMTP_FROM (the sender address) and REPORT_MAIL_TO (recipients, comma-separated) are needed too — or unset SMTP_URL to send no e-mail']);
  }
  return {
    mail: c.SMTP_URL ? { url: c.SMTP_URL, from: c.SMTP_FROM!, to: c.REPORT_MAIL_TO!.split(',').map((a) => a.trim()) } : undefined,
    databaseUrl: c.DATABASE_URL,
    dataDir: path.resolve(c.DATA_DIR),
    puppet: c.WECHATY_PUPPET,
    botName: c.WECHATY_NAME,
    httpPort: c.HTTP_PORT,
    httpHost: c.HTTP_HOST,
    timeZone: c.TZ,
    ledgerSecret: c.LEDGER_SECRET,
    logLevel: c.LOG_LEVEL,
    sourcesFile: c.SOURCES_FILE ? path.resolve(c.SOURCES_FILE) : undefined,
  };
}
