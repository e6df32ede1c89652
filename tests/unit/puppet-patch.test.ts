// The patch of wechaty-puppet-wechat4u (patches/README.md) is applied by npm install's postinstall.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const dist = path.resolve(path.dirname(require.resolve('wechaty-puppet-wechat4u')), '../../..');

describe('patched wechaty-puppet-wechat4u', () => {
  it.each(['dist/esm/src/puppet-wechat4u.js', 'dist/cjs/src/puppet-wechat4u.js'])('%s counts no contacts in its log lines', (file) => {
    const src = fs.readFileSync(path.join(dist, file), 'utf8');
    // (no log line evaluates Object.keys() of every contact)
    expect(src).not.toMatch(/log\.\w+\([^;]*Object\.keys\((this\.)?wechat4u\.contacts\)\.length/);
    expect(src.match(/antifraud-relay patch/g)?.length).toBeGreaterThanOrEqual(5);
    // room members are not queued for a detail fetch (they come with the room's member list)
    expect(src).not.toMatch(/unknownContactId\.push\(\[mItem\.UserName/);
  });
});
