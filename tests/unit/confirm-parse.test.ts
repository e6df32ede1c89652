import { describe, expect, it } from 'vitest';
import { affirmedWords, findCodes, mightConfirm, parseReply } from '../../bot/ledger/confirm-parse.ts';

describe('reading a reply as a confirmation', () => {
  it.each([
    ['已阅'],
    ['已阅。'],
    ['  已 阅 '],
    ['已读'],
    ['收到'],
    ['收到!'],
    ['收到收到'],
    ['收到了'],
    ['收到,谢谢老师'],
    ['收到,没问题'],
    ['"已阅"'],
    ['收到，谢谢老师！'],
    ['王小明妈妈收到'],
    ['李华爸爸:已阅'],
    ['三年级二班 张伟家长 已收到'],
    ['已学习'],
    ['已知晓'],
    ['知道了'],
    ['好的'],
    ['好的[强]'],
    ['好的👍'],
    ['已阅🙏🏻'],
    ['[OK]收到'],
    ['明白了,会提醒孩子'],
    ['阅'],
    ['1'],
    ['OK'],
    ['ｏｋ'],
    ['嗯嗯'],
  ])('%s confirms', (text) => {
    expect(parseReply(text).general).toBe(true);
  });

  it.each([
    ['没收到'],
    ['我还没收到'],
    ['还没有收到'],
    ['还没看'],
    ['收到了吗?'],
    ['大家收到了吗'],
    ['收到没'],
    ['收到没有'],
    ['不知道了'],
    ['不明白'],
    ['未读'],
    ['请各位家长回复"已阅"吗'],
    ['请家长回复已阅'],
    ['收到?'],
    ['F123是什么'],
    ['今天孩子在学校表现很好,老师辛苦了,有什么需要家长配合的请随时告诉我们,我们一定好好配合学校的工作,谢谢老师的关心!好的'],
    ['好'.repeat(3)],
    ['2'],
    [''],
  ])('%s does not confirm', (text) => {
    const r = parseReply(text);
    expect(r.general).toBe(false);
  });

  it('reads post codes the ways people type them', () => {
    expect(findCodes('F123 已阅')).toEqual(['F123']);
    expect(findCodes('f123已阅')).toEqual(['F123']);
    expect(findCodes('ｆ１２３ 收到')).toEqual(['F123']);
    expect(findCodes('F 45 收到')).toEqual(['F45']);
    expect(findCodes('F12、F13 已阅')).toEqual(['F12', 'F13']);
    expect(findCodes('OFF123 已阅')).toEqual([]);
    expect(findCodes('已阅')).toEqual([]);
  });

  it('a code with a keyword, or a code alone, confirms that code', () => {
    expect(parseReply('F123 已阅')).toMatchObject({ general: true, codes: ['F123'] });
    expect(parseReply('F123')).toMatchObject({ general: true, codes: ['F123'] });
    expect(parseReply('F123 这是真的吗')).toMatchObject({ general: false, codes: ['F123'] });
  });

  it('a quote of the bot finds the code in the quoted text; a quote of someone else does not', () => {
    const quoted = '【国家反诈中心】警惕刷单返利骗局\n编号 F77,看后请回复"已阅"';
    expect(parseReply('已阅', { text: quoted, self: true }).quotedCode).toBe('F77');
    expect(parseReply('已阅', { text: quoted, self: false }).quotedCode).toBeUndefined();
  });

  it('attestation words count only when affirmed', () => {
    const words = ['已安装'];
    expect(affirmedWords(parseReply('已安装'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('已安装,已关注视频号'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('还没安装'), words)).toEqual([]);
    expect(affirmedWords(parseReply('已安装了吗'), words)).toEqual([]);
    expect(affirmedWords(parseReply('收到'), words)).toEqual([]);
    expect(parseReply('已安装').general).toBe(false);
    expect(mightConfirm(parseReply('已安装'), words)).toBe(true);
    expect(mightConfirm(parseReply('今天天气不错'), words)).toBe(false);
  });
});
