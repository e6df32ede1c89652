// antifraud group list | unregister: registered groups for an operator. Unregistering goes through
// the same operation as the chat command #注销 (bot/registry/registration.ts `unregisterGroup`):
// one transaction with its audit row (actor "cli", detail.via "cli").
import os from 'node:os';
import type { Command } from 'commander';
import { dateTime } from '../core/time.ts';
import type { PrismaClient } from '../db/client.ts';
import { idFrom } from '../db/ids.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

/** Who ran the CLI, for the audit row ("cli" plus the operating-system user when known). */
function operator(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The group named by `ref`: its id, or the topic of exactly one group that is not unregistered. */
async function findGroup(prisma: PrismaClient, ref: string) {
  const id = /^\d+$/.test(ref.trim()) ? idFrom(ref.trim()) : null;
  if (id !== null) {
    const g = await prisma.chatGroup.findUnique({ where: { id }, include: { orgUnit: true } });
    if (g) return g;
  }
  const { LEFT_UNREGISTERED } = await import('../registry/groups.ts');
  const byTopic = await prisma.chatGroup.findMany({
    where: { topic: ref, NOT: { status: 'left', statusReason: LEFT_UNREGISTERED } },
    include: { orgUnit: true },
    orderBy: { id: 'asc' },
  });
  if (byTopic.length > 1) {
    const ids = byTopic.map((g) => g.id);
    throw new UserError('group.same_topic', { count: ids.length, topic: ref, ids: ids.join(', '), first: ids[0] }, `${ids.length} groups are named "${ref}" (ids ${ids.join(', ')}); unregister by id`);
  }
  if (!byTopic[0]) throw new UserError('group.unknown', { group: ref }, `no registered group has the id or name "${ref}" (see \`antifraud group list\`)`);
  return byTopic[0];
}

/** Registers the `group` commands. */
export function registerGroup(program: Command): void {
  const group = program.command('group').description(t('group.help.group'));

  group
    .command('list')
    .description(t('group.help.list'))
    .option('--all', t('group.help.list_all'))
    .option('--json', t('cli.help.json'))
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withDb(async ({ db, out, config }) => {
        const { describeGroup, LEFT_UNREGISTERED } = await import('../registry/groups.ts');
        const groups = await db.prisma.chatGroup.findMany({
          where: opts.all ? {} : { NOT: { status: 'left', statusReason: LEFT_UNREGISTERED } },
          include: { orgUnit: true, botAccount: { select: { name: true } } },
          orderBy: { id: 'asc' },
        });
        const unregistered = (g: (typeof groups)[number]) => g.status === 'left' && g.statusReason === LEFT_UNREGISTERED;
        if (opts.json) {
          out(JSON.stringify(groups.map((g) => ({
            id: g.id, kind: g.kind, unit: g.orgUnit.name, className: g.className, topic: g.topic,
            status: unregistered(g) ? 'unregistered' : g.status, account: g.botAccount.name, autoForward: g.autoForward, registeredAt: g.registeredAt,
          })), null, 2));
          return;
        }
        if (!groups.length) return out(t('group.none'));
        const headers = t('group.headers').split('\n');
        out(formatTable(headers, groups.map((g) => [
          g.id, describeGroup(g), g.topic, unregistered(g) ? t('group.status_unregistered') : t(`registry.status_${g.status}`),
          g.botAccount.name, dateTime(g.registeredAt, config.timeZone),
        ]), [0]));
      });
    });

  group
    .command('unregister')
    .argument('<group>', t('group.help.unregister_group'))
    .description(t('group.help.unregister'))
    .addHelpText('after', `\n${t('group.help.unregister_after')}`)
    .action(async (ref: string) => {
      await withDb(async ({ db, out }) => {
        const [{ describeGroup, LEFT_UNREGISTERED }, { unregisterGroup }] = await Promise.all([
          import('../registry/groups.ts'), import('../registry/registration.ts'),
        ]);
        const g = await findGroup(db.prisma, ref);
        if (g.status === 'left' && g.statusReason === LEFT_UNREGISTERED) {
          out(t('group.already', { id: g.id, what: describeGroup(g) }));
          return;
        }
        await unregisterGroup(db.prisma, g, { actor: operator(), now: new Date(), via: 'cli' });
        out(t('group.unregistered', { id: g.id, what: describeGroup(g), topic: g.topic }));
      });
    });
}
