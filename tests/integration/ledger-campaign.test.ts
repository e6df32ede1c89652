import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCampaignItem, loadCampaignItems } from '../../bot/ledger/campaign.ts';
import { captureLog } from '../helpers/log.ts';
import { appContext } from '../helpers/ledger-fixture.ts';
import { parseReply, affirmedWords } from '../../bot/ledger/confirm-parse.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

describe('campaign items in content/campaign', () => {
  it('are valid: the letter, the app-install attestation with its own words, and sample cases marked', () => {
    const items = loadCampaignItems();
    expect(items.map((i) => [i.key, i.kind, i.audience])).toEqual([
      ['attestation-app-install', 'attestation', 'work'],
      ['case-sample-brush-order', 'case', 'all'],
      ['case-sample-fake-teacher', 'case', 'parent'],
      ['letter-semester', 'letter', 'parent'],
    ]);
    const app = items.find((i) => i.kind === 'attestation')!;
    expect(app.confirm_words).toEqual(['已安装']);
    expect(affirmedWords(parseReply('已安装'), app.confirm_words)).toEqual(['已安装']);
    for (const c of items.filter((i) => i.kind === 'case')) {
      expect(c.sample).toBe(true);
      expect(c.title).toContain('示例');
      expect(c.body).toContain('为演示编写');
    }
  });

  it('become posts once (per semester for the letter), through the sources capture', async () => {
    const ctx = appContext(db, captureLog().log);
    const items = loadCampaignItems();
    const letter = items.find((i) => i.key === 'letter-semester')!;
    const a = await captureCampaignItem(ctx, letter, { period: '2026-spring' });
    const b = await captureCampaignItem(ctx, letter, { period: '2026-spring' });
    const c = await captureCampaignItem(ctx, letter, { period: '2026-autumn' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.post.code).toBe(a.post.code);
    expect(c.post.code).not.toBe(a.post.code);
    expect(a.post.summary).toContain('请家长阅读后在班级群回复"已阅"');
    await expect(captureCampaignItem(ctx, letter)).rejects.toThrow('letter-semester is sent every semester: give the period (e.g. 2026-autumn)');
    const app = await captureCampaignItem(ctx, items.find((i) => i.kind === 'attestation')!);
    expect([app.post.kind, app.post.confirmWords, app.post.audience]).toEqual(['attestation', ['已安装'], 'work']);
  });

  it('name the file and field of a bad item', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-'));
    fs.writeFileSync(path.join(dir, 'bad.yml'), 'key: Bad Key\nkind: attestation\naudience: work\nschedule: once\ntitle: 安装APP\nsummary: 请安装\nbody: 请安装APP\n');
    expect(() => loadCampaignItems(dir)).toThrow(/bad\.yml: key: key must be lower-case[\s\S]*bad\.yml: item: an attestation needs confirm_words/);
    fs.rmSync(dir, { recursive: true });
  });
});
