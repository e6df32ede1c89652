import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../bot/commands/registry.ts';
import { canonicalKey, canonicalUrl, contentHash } from '../../bot/sources/canonical.ts';
import { parseChannelVideo } from '../../bot/sources/messages.ts';
import { parseArticles, parseQuote } from '../../bot/wechat/appmsg.ts';
import { toSendError } from '../../bot/wechat/adapter.ts';
import { articlePushXml } from '../helpers/chat-fixture.ts';

describe('parseCommand', () => {
  it.each([
    ['#登记 K7QX-M4PA', { name: '登记', args: ['K7QX-M4PA'] }],
    ['＃登记　Ｋ７ＱＸ－Ｍ４ＰＡ', { name: '登记', args: ['K7QX-M4PA'] }],
    ['  # 自动转发 开 ', { name: '自动转发', args: ['开'] }],
    ['#班级 城东小学 三年级2班\n第二行不算', { name: '班级', args: ['城东小学', '三年级2班'] }],
    ['#帮助', { name: '帮助', args: [] }],
  ])('reads %j', (text, expected) => expect(parseCommand(text)).toEqual(expected));

  it.each(['已阅', '收到 #登记', '#', '##', '😀 #帮助', ''])('ignores %j', (text) => expect(parseCommand(text)).toBeUndefined());
});

describe('canonical keys', () => {
  it('keys mp.weixin.qq.com articles by __biz, mid and idx, whatever else the URL carries', () => {
    const a = canonicalUrl('https://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=265&amp;idx=2&amp;sn=x&amp;chksm=y#rd');
    const b = canonicalUrl('http://mp.weixin.qq.com/s?idx=2&mid=265&__biz=MzA5&scene=126&sessionid=1');
    expect(a).toBe('wx:MzA5/265/2');
    expect(b).toBe(a);
    expect(canonicalUrl('https://mp.weixin.qq.com/s?__biz=MzA5&mid=265')).toBe('wx:MzA5/265/1');
    expect(canonicalUrl('https://mp.weixin.qq.com/s/AbC-d_e')).toBe('wx:s/AbC-d_e');
  });

  it('normalises other URLs and falls back to a text hash', () => {
    expect(canonicalUrl('HTTPS://WWW.Example.org/a/b/?utm_source=x&b=2&a=1#top')).toBe('url:example.org/a/b?a=1&b=2');
    expect(canonicalUrl('javascript:alert(1)')).toBeUndefined();
    expect(canonicalKey({ title: '提醒', summary: '不要转账' })).toBe(contentHash('提醒\n不要转账'));
    expect(contentHash('不要  转账')).toBe(contentHash('不要 转账'));
  });
});

describe('raw WeChat payloads', () => {
  it('reads every article of a multi-article push and decodes &amp;', () => {
    const raw = articlePushXml('国家反诈中心', [
      { title: '一', url: 'https://mp.weixin.qq.com/s?__biz=B&mid=1&idx=1', digest: 'd1' },
      { title: '二', url: 'https://mp.weixin.qq.com/s?__biz=B&mid=1&idx=2' },
    ]);
    expect(raw).toContain('&lt;url&gt;&lt;![CDATA[https://mp.weixin.qq.com/s?__biz=B&amp;mid=1'); // escaped the way wechat4u hands it over
    expect(parseArticles(raw)).toEqual([
      { title: '一', description: 'd1', url: 'https://mp.weixin.qq.com/s?__biz=B&mid=1&idx=1', thumbnailUrl: 'https://mmbiz.qpic.cn/cover.jpg' },
      { title: '二', description: '', url: 'https://mp.weixin.qq.com/s?__biz=B&mid=1&idx=2', thumbnailUrl: 'https://mmbiz.qpic.cn/cover.jpg' },
    ]);
    expect(parseArticles('hello')).toEqual([]);
  });

  it('reads a quote-reply as wechat4u renders it', () => {
    expect(parseQuote('「反诈宣传转发助手：【国家反诈中心】警惕 F7」\n- - - - - - - - - - - - - - -\n已阅')).toEqual({
      quotedName: '反诈宣传转发助手', quotedText: '【国家反诈中心】警惕 F7', text: '已阅',
    });
    expect(parseQuote('已阅')).toBeUndefined();
    expect(parseQuote('「不是引用」')).toBeUndefined();
  });

  it('reads a 视频号 share', () => {
    expect(parseChannelVideo('&lt;msg&gt;&lt;appmsg&gt;&lt;finderFeed&gt;&lt;objectId&gt;143&lt;/objectId&gt;&lt;nickname&gt;国家反诈中心&lt;/nickname&gt;&lt;desc&gt;&lt;![CDATA[视频]]&gt;&lt;/desc&gt;&lt;/finderFeed&gt;&lt;/appmsg&gt;&lt;/msg&gt;'))
      .toEqual({ objectId: '143', nickname: '国家反诈中心', desc: '视频', url: undefined });
  });
});

describe('send errors', () => {
  const assertion = (ret: number) => Object.assign(new Error(`${ret} == 0`), { name: 'AssertionError', actual: ret, response: { data: { BaseResponse: { Ret: ret } } } });
  it.each([
    [assertion(1205), { sent: false, throttled: true }],
    [assertion(1204), { sent: false, badTarget: true }],
    [new Error('Unsupported API'), { sent: false }],
    [Object.assign(new Error('timeout of 30000ms exceeded'), { code: 'ECONNABORTED' }), { sent: 'unknown' }],
  ])('maps %s', (err, expected) => expect(toSendError(err).opts).toMatchObject(expected));
});
