import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../bot/errors.ts';
import { hashCode, normalizeCode } from '../../bot/registry/enrollment-code.ts';
import { importOrg, parseOrgCsv, rotateCode } from '../../bot/registry/org-import.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

const sample = fs.readFileSync('content/org/qinzhou-sample.csv', 'utf8');

function userMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('org import', () => {
  it('imports the sample tree once and gives each new unit a working code', async () => {
    const first = await importOrg(db.prisma, parseOrgCsv(sample));
    expect(first.created.length).toBe(19);
    const counties = await db.prisma.orgUnit.findMany({ where: { kind: 'county' }, orderBy: { id: 'asc' } });
    expect(counties.map((c) => c.name)).toEqual([
      '钦南区教育局', '钦北区教育局', '灵山县教育局', '浦北县教育局', '自贸试验区钦州港片区协调指导局', '市直学校',
    ]);
    const school = await db.prisma.orgUnit.findFirstOrThrow({ where: { name: '灵山县示例城东小学' } });
    expect(school.countyId).toBe(counties[2].id);
    expect(school.sample).toBe(true);
    const created = first.created.find((c) => c.name === '灵山县示例城东小学')!;
    expect(school.codeHash).toBe(hashCode(created.code));
    expect(school.codeHash).not.toContain(normalizeCode(created.code)); // stored hashed only

    const again = await importOrg(db.prisma, parseOrgCsv(sample));
    expect(again).toEqual({ created: [], unchanged: 19 });
    expect(await db.prisma.orgUnit.count()).toBe(19);
  });

  it('rotating a code invalidates the old one', async () => {
    const before = await db.prisma.orgUnit.findFirstOrThrow({ where: { name: '钦南区教育局' } });
    const { code } = await rotateCode(db.prisma, '钦南区教育局', 'test');
    const after = await db.prisma.orgUnit.findFirstOrThrow({ where: { name: '钦南区教育局' } });
    expect(after.codeHash).toBe(hashCode(code));
    expect(after.codeHash).not.toBe(before.codeHash);
    expect(await db.prisma.auditEvent.count({ where: { action: 'org.code_rotated', orgUnitId: after.id } })).toBe(1);
  });

  it('reads codes the way people type them', () => {
    expect(normalizeCode(' ｋ７ｑｘ－m4pa ')).toBe('K7QXM4PA');
    expect(hashCode('k7qx m4pa')).toBe(hashCode('K7QX-M4PA'));
  });

  it('names missing columns', () => {
    expect(userMessage(() => parseOrgCsv('county,name\n,钦州市教育局\n'))).toBe(
      'CSV 需要这些列:county, name, kind, parent;缺少:kind, parent',
    );
  });

  it('names duplicate rows and bad kinds by line', () => {
    const msg = userMessage(() =>
      parseOrgCsv('county,name,kind,parent\n,市局,city,\nA,甲校,school,市局\nA,甲校,school,市局\nA,乙校,kindergarten,市局\n'),
    );
    expect(msg).toContain('第 4 行:市局 下的 甲校 出现了两次(第一次在第 3 行)');
    expect(msg).toContain('第 5 行:kind 只能是 city, county, department, school');
  });

  it('writes nothing when a parent is unknown', async () => {
    const count = await db.prisma.orgUnit.count();
    const rows = parseOrgCsv('county,name,kind,parent\nX,新学校,school,钦南区教育局\nX,孤儿学校,school,不存在的局\n');
    await expect(importOrg(db.prisma, rows)).rejects.toThrow('第 3 行:孤儿学校 的上级单位“不存在的局”既不在文件中,也不在数据库中');
    expect(await db.prisma.orgUnit.count()).toBe(count);
  });
});
