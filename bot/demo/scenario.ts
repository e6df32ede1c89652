// Scenario files for the simulated world (`npm run demo -- --scenario FILE`): JSON, checked by
// zod, with every problem reported at its field path (scenario.groups[3].members: …).
import { DEFAULT_TIME_ZONE, localDayStart } from '../core/time.ts';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { list } from '../i18n.ts';
import { classNameProblem } from '../registry/class-name.ts';
import { decodeTextFile } from '../registry/csv-encoding.ts';
import { parseOrgCsv, type OrgRow } from '../registry/org-import.ts';

/** Scenario times: an ISO date-time, or "D<n> HH:MM" = day n of the scenario (D1 = start day), Beijing time. */
const RELATIVE = /^D(\d{1,3}) ([01]\d|2[0-3]):([0-5]\d)$/;
const time = z
  .string({ message: 'expected a time such as "D2 19:30" (day 2 of the scenario) or "2026-03-02T10:00:00+08:00"' })
  .refine((s) => RELATIVE.test(s) || (/^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s))), {
    message: 'expected a time such as "D2 19:30" (day 2 of the scenario) or "2026-03-02T10:00:00+08:00"',
  });

const share = (what: string) =>
  z.number({ message: `expected ${what} as a number between 0 and 1` }).min(0, { message: `${what} must be between 0 and 1` }).max(1, {
    message: `${what} must be between 0 and 1`,
  });

const name = z.string({ message: 'expected a name' }).trim().min(1, { message: 'a name must not be empty' }).max(60, {
  message: 'a name must be at most 60 characters',
});

const account = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, { message: 'an account name uses letters, digits, "-", "_" or "." (e.g. relay-1)' }),
  /** The WeChat nickname the bot shows in groups. */
  nickname: name.optional(),
});

const postKinds = ['article', 'text', 'image', 'video'] as const;
const post = z.strictObject({
  at: time,
  kind: z.enum(postKinds, { message: `expected one of ${postKinds.join(', ')}` }),
  title: name.max(100, { message: 'a title must be at most 100 characters' }),
  summary: z.string().max(500).default(''),
  url: z.url({ message: 'expected an http(s) URL' }).optional(),
  /** Published by a bureau admin with `#发布 紧急` instead of the channel's normal flow. */
  urgent: z.boolean().default(false),
  /** The same article pushed again later (tests deduplication). */
  repeatAt: time.optional(),
});

const channel = z.strictObject({
  name,
  kind: z.enum(['official'], { message: 'expected "official" (an official account, 公众号, that pushes to the bot)' }),
  scope: z.enum(['national', 'city', 'local'], { message: 'expected "national", "city" or "local"' }),
  /** Which bot accounts follow it (default: all). */
  followedBy: z.array(z.string()).optional(),
  posts: z.array(post).default([]),
});

const orgUnit = z.strictObject({
  county: z.string().default(''),
  name,
  kind: z.enum(['city', 'county', 'department', 'school'], { message: 'expected city, county, department or school' }),
  parent: z.string().default(''),
});

const members = z.union([z.number().int().min(1).max(500), z.array(name).min(1).max(500)], {
  message: 'expected a number or a list of names',
});

const behaviour = z.strictObject({
  /** Share of members who confirm a post at all. */
  confirmShare: share('confirmShare').optional(),
  /** Share of members who never confirm anything (on top of those who skip a post). */
  neverShare: share('neverShare').optional(),
  /** Minutes between the post arriving and the reply: log-normal with this median and 90th percentile. */
  delayMinutes: z
    .strictObject({
      median: z.number().positive({ message: 'median must be more than 0 minutes' }),
      p90: z.number().positive({ message: 'p90 must be more than 0 minutes' }),
    })
    .refine((d) => d.p90 >= d.median, { message: 'p90 must be at least the median' })
    .optional(),
  /** What people type; one is picked at random per reply. "{name}" becomes the member's name. */
  words: z.array(z.string().min(1).max(50)).min(1, { message: 'give at least one word' }).optional(),
  /** Share of replies that use the post's short code ("F12 已阅"). */
  codeShare: share('codeShare').optional(),
  /** Share of named non-confirmers who confirm after a reminder. */
  afterReminderShare: share('afterReminderShare').optional(),
});
export type Behaviour = Required<z.infer<typeof behaviour>>;

const group = z.strictObject({
  kind: z.enum(['work', 'parent'], { message: 'expected "work" (工作群) or "parent" (班级家长群)' }),
  unit: name,
  /** Class name for parent groups, e.g. "三年级1班". */
  class: name.optional(),
  topic: name,
  account: z.string(),
  /** Members besides the bot and the registering person: a count (names are made up) or names. */
  members,
  /** Who registers it: the unit's designated staff (work) or the homeroom teacher (parent). */
  by: name,
  /** When it registers (default: the scenario start plus a few minutes); null: never. */
  registerAt: time.nullable().optional(),
  behaviour: behaviour.optional(),
});

const registration = z.strictObject({
  at: time,
  group: name,
  by: name,
  /** What is typed; {code} = the group's unit's enrollment code, {wrongCode} = a code that does not exist. */
  text: z.string().min(1).max(200),
});

const churn = z.strictObject({
  at: time,
  group: name,
  join: z.number().int().min(0).max(100).default(0),
  leave: z.number().int().min(0).max(100).default(0),
});

const fault = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('throttle'),
      account: z.string(),
      at: time,
      /** How long the account's sends are refused (Ret 1205, 发送消息过于频繁). */
      minutes: z.number().int().min(1).max(24 * 60),
    }),
    z.strictObject({ type: z.literal('remove'), group: name, at: time, by: name.optional() }),
    z.strictObject({ type: z.literal('relogin'), account: z.string(), at: time }),
  ],
  { message: 'expected a fault with type "throttle", "remove" or "relogin"' },
);

export const scenarioSchema = z
  .strictObject({
    name: name.max(100),
    description: z.string().max(2000).optional(),
    start: z.iso.datetime({ offset: true, message: 'expected an ISO time with offset, e.g. "2026-03-02T07:00:00+08:00"' }),
    days: z.number({ message: 'expected a number of days' }).min(0.01).max(31, { message: 'a scenario lasts at most 31 days' }),
    seed: z.number().int().default(1),
    accounts: z.array(account).min(1, { message: 'give at least one bot account' }),
    channels: z.array(channel).default([]),
    org: z.union([z.strictObject({ csv: z.string().min(1) }), z.strictObject({ units: z.array(orgUnit).min(1) })], {
      message: 'expected { "csv": "content/org/….csv" } or { "units": [ … ] }',
    }),
    /** Bureau admins (members of the city bureau's work group) who may publish urgent posts. */
    admins: z.array(name).default([]),
    groups: z.array(group).min(1, { message: 'give at least one group' }),
    registrations: z.array(registration).default([]),
    behaviour: behaviour.default({}),
    churn: z.array(churn).default([]),
    faults: z.array(fault).default([]),
  })
  .superRefine((s, ctx) => {
    const accounts = new Set(s.accounts.map((a) => a.name));
    const topics = new Set<string>();
    s.accounts.forEach((a, i) => {
      if (s.accounts.findIndex((b) => b.name === a.name) !== i) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'name'], message: `account ${a.name} is listed twice` });
    });
    s.groups.forEach((g, i) => {
      if (!accounts.has(g.account)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'account'], message: `no bot account named ${g.account} (accounts: ${[...accounts].join(', ')})` });
      if (topics.has(g.topic)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'topic'], message: `another group already has the topic ${g.topic}` });
      topics.add(g.topic);
      if (g.kind === 'parent' && !g.class) ctx.addIssue({ code: 'custom', path: ['groups', i, 'class'], message: 'a parent group needs its class name, e.g. "三年级1班"' });
    });
    s.channels.forEach((c, i) =>
      (c.followedBy ?? []).forEach((a, j) => {
        if (!accounts.has(a)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'followedBy', j], message: `no bot account named ${a}` });
      }),
    );
    const refs: [string, { group?: string; account?: string }[]][] = [
      ['registrations', s.registrations],
      ['churn', s.churn],
      ['faults', s.faults],
    ];
    for (const [key, list] of refs) {
      list.forEach((r, i) => {
        if (r.group !== undefined && !topics.has(r.group)) ctx.addIssue({ code: 'custom', path: [key, i, 'group'], message: `no group with the topic ${r.group}` });
        if (r.account !== undefined && !accounts.has(r.account)) ctx.addIssue({ code: 'custom', path: [key, i, 'account'], message: `no bot account named ${r.account}` });
      });
    }
    if (!('csv' in s.org)) checkGroupUnits(s.groups, s.org.units, 'scenario.org.units').forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
    // A homeroom teacher registers a class only through a work group of the school that the same
    // bot account serves: a class group on another account could never register.
    const workOn = new Set(s.groups.filter((g) => g.kind === 'work').map((g) => `${g.unit}\u0000${g.account}`));
    s.groups.forEach((g, i) => {
      if (g.kind !== 'parent') return;
      if (!workOn.has(`${g.unit}\u0000${g.account}`)) {
        const others = s.groups.filter((w) => w.kind === 'work' && w.unit === g.unit).map((w) => w.account);
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'account'],
          message: others.length
            ? `a class group must be on the account of its school's work group (${[...new Set(others)].join(', ')}), not ${g.account}: the teacher registers it through that work group`
            : `${g.unit} has no work group in the scenario; a class group is registered through its school's work group on the same account`,
        });
      }
      const problem = g.class === undefined ? null : classNameProblem(g.class.normalize('NFKC').replace(/\s+/g, ' ').trim());
      if (problem) ctx.addIssue({ code: 'custom', path: ['groups', i, 'class'], message: `the class name ${problem}` });
    });
  });

/** Issues for groups whose unit is not among `units`, or whose class group is not at a school. */
function checkGroupUnits(groups: { kind: string; unit: string }[], units: { name: string; kind: string }[], where: string): { path: (string | number)[]; message: string }[] {
  const kinds = new Map(units.map((u) => [u.name, u.kind]));
  const out: { path: (string | number)[]; message: string }[] = [];
  groups.forEach((g, i) => {
    const kind = kinds.get(g.unit);
    if (kind === undefined) out.push({ path: ['groups', i, 'unit'], message: `no unit named ${g.unit} in ${where}` });
    else if (g.kind === 'parent' && kind !== 'school') out.push({ path: ['groups', i, 'unit'], message: `${g.unit} is a ${kind} unit; class groups belong to schools` });
  });
  return out;
}

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioGroup = Scenario['groups'][number];
export type ScenarioPost = z.infer<typeof post>;
export type Fault = z.infer<typeof fault>;

export const DEFAULT_BEHAVIOUR: Behaviour = {
  confirmShare: 0.85,
  neverShare: 0.05,
  delayMinutes: { median: 45, p90: 300 },
  words: [...list('demo.people.confirm_words')],
  codeShare: 0.1,
  afterReminderShare: 0.6,
};

/** Formats zod issues as `scenario.groups[3].members: expected …`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    let p = 'scenario';
    for (const seg of i.path) p += typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`;
    // zod's own wording for a wrong type ("Invalid input: expected array, received undefined").
    const m = /^Invalid input: expected (\w+), received (\w+)$/.exec(i.message);
    const message = !m ? i.message : m[2] === 'undefined' ? `missing (expected ${article(m[1])})` : `expected ${article(m[1])}, not ${article(m[2])}`;
    return `${p}: ${message}`;
  });
}

const article = (type: string) => ({ array: 'a list', object: 'an object', string: 'a text', number: 'a number', boolean: 'true or false', null: 'null', nan: 'a number' })[type] ?? type;

/** Checks a parsed JSON value; throws UserError listing every problem at its field path. */
export function parseScenario(value: unknown, file = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(value);
  if (!r.success) {
    const issues = formatIssues(r.error.issues).join('\n  ');
    throw new UserError('demo.scenario_invalid', { file, issues }, `${file} is not a valid scenario:\n  ${issues}`);
  }
  return r.data;
}

/** Reads and checks a scenario file. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError('demo.scenario_unreadable', { file, reason }, `cannot read the scenario ${file}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = (err as Error).message;
    throw new UserError('demo.scenario_json', { file, reason }, `${file} is not valid JSON: ${reason}`);
  }
  const scenario = parseScenario(json, path.basename(file));
  if ('csv' in scenario.org) {
    const issues = checkGroupUnits(scenario.groups, scenarioOrgRows(scenario, path.basename(file)), scenario.org.csv);
    if (issues.length) {
      const text = formatIssues(issues as never).join('\n  ');
      throw new UserError('demo.scenario_invalid', { file: path.basename(file), issues: text }, `${path.basename(file)} is not a valid scenario:\n  ${text}`);
    }
  }
  return scenario;
}

/** The directory a scenario's `org.csv` path is relative to. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** The scenario's org units: its CSV (relative to the project directory) read and checked, or its inline units. */
export function scenarioOrgRows(s: Scenario, file = 'scenario'): OrgRow[] {
  if (!('csv' in s.org)) return s.org.units.map((u, i) => ({ ...u, sample: '', line: i + 1 }));
  const csv = path.isAbsolute(s.org.csv) ? s.org.csv : path.join(PROJECT_ROOT, s.org.csv);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(csv);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError('demo.scenario_org_unreadable', { file, csv: s.org.csv, reason, root: PROJECT_ROOT }, `${file}: scenario.org.csv: cannot read ${s.org.csv} (${reason}) — the path is relative to the project directory ${PROJECT_ROOT}`);
  }
  try {
    return parseOrgCsv(decodeTextFile(bytes, s.org.csv).text);
  } catch (err) {
    if (err instanceof UserError) throw new UserError('demo.scenario_org', { file, csv: s.org.csv, problem: err.message }, `${file}: scenario.org.csv: ${s.org.csv}: ${err.message}`);
    throw err;
  }
}

/** Resolves a scenario time to an instant (relative times count days from the start's Beijing date). */
export function resolveTime(s: Scenario, t: string): Date {
  const m = RELATIVE.exec(t);
  if (!m) return new Date(t);
  const base = localDayStart(new Date(s.start), DEFAULT_TIME_ZONE).getTime();
  return new Date(base + (Number(m[1]) - 1) * 86_400_000 + (Number(m[2]) * 60 + Number(m[3])) * 60_000);
}

/** The scenario's end instant. */
export function scenarioEnd(s: Scenario): Date {
  return new Date(new Date(s.start).getTime() + s.days * 86_400_000);
}
