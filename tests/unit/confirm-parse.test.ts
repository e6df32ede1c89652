// The reply reader against a corpus of replies written the way parents and teachers write in Chinese
// class groups. Each entry: the reply, and the reason the reader must give (which decides whether it
// confirms: keyword, read_form, whole_word, emoji and code_only confirm; the rest do not). Grouped by
// the kind of reply. The rules are content/locales/zh-CN/confirm.yml; README "What confirms what".
import { describe, expect, it } from 'vitest';
import { affirmedWords, findCodes, mightConfirm, parseReply, type ReplyReason } from '../../bot/ledger/confirm-parse.ts';

type Entry = [text: string, reason: ReplyReason];

const CORPUS: Record<string, Entry[]> = {
  // The usual words, with names, classes, punctuation, thanks and emoji around them.
  keyword: [
    ['已阅', 'keyword'],
    ['已阅。', 'keyword'],
    ['已阅!', 'keyword'],
    ['  已 阅 ', 'keyword'],
    ['已阅,谢谢老师', 'keyword'],
    ['已读', 'keyword'],
    ['已读~', 'keyword'],
    ['收到', 'keyword'],
    ['收到!', 'keyword'],
    ['收到收到', 'keyword'],
    ['收到了', 'keyword'],
    ['收到啦', 'keyword'],
    ['收到~', 'keyword'],
    ['收到了哦', 'keyword'],
    ['收到,谢谢老师', 'keyword'],
    ['收到，谢谢老师！', 'keyword'],
    ['收到,没问题', 'keyword'],
    ['收到!辛苦了', 'keyword'],
    ['收到,谢谢提醒', 'keyword'],
    ['收到,会和孩子一起学习', 'keyword'],
    ['已收到,会注意的', 'keyword'],
    ['"已阅"', 'keyword'],
    ['「收到」', 'keyword'],
    ['王小明妈妈收到', 'keyword'],
    ['李华爸爸:已阅', 'keyword'],
    ['三年级二班 张伟家长 已收到', 'keyword'],
    ['张子涵家长已阅', 'keyword'],
    ['陈思琪妈妈 已阅', 'keyword'],
    ['3班刘一鸣 收到', 'keyword'],
    ['一(2)班 黄子轩家长 已阅 谢谢老师', 'keyword'],
    ['五年级3班韦嘉怡爷爷收到', 'keyword'],
    ['已学习', 'keyword'],
    ['已知晓', 'keyword'],
    ['知道了', 'keyword'],
    ['知道啦', 'keyword'],
    ['晓得了', 'keyword'],
    ['好的', 'keyword'],
    ['好的老师', 'keyword'],
    ['好的收到', 'keyword'],
    ['好的,谢谢老师', 'keyword'],
    ['好滴', 'keyword'],
    ['好哒老师', 'keyword'],
    ['好嘞', 'keyword'],
    ['了解', 'keyword'],
    ['了解了', 'keyword'],
    ['明白', 'keyword'],
    ['明白了', 'keyword'],
    ['明白了,会提醒孩子', 'keyword'],
    ['懂了', 'keyword'],
    ['已转发', 'keyword'],
    ['已转发家人群', 'keyword'],
    ['已转达给孩子爸爸', 'keyword'],
    ['已阅,已转发给家里老人', 'keyword'],
    ['已查看', 'keyword'],
    ['收悉', 'keyword'],
    ['已阅，谨防诈骗', 'keyword'],
    ['已阅 已转发', 'keyword'],
    ['已阅,会教育孩子提高警惕', 'keyword'],
    ['OK收到', 'keyword'],
    ['ok,已阅', 'keyword'],
    ['好的，已经看了', 'keyword'],
    ['收到!孩子也看了', 'keyword'],
    ['收到，请问下周几开家长会？', 'keyword'], // the question is about something else
    ['好的,请问视频在哪里能看到?', 'keyword'],
    ['已阅,不错的提醒', 'keyword'],
    ['没问题,收到', 'keyword'],
    ['不客气,已阅', 'keyword'],
    ['一定不会上当,已阅', 'keyword'],
    ['已观看', 'keyword'],
  ],
  // Keywords with emoji beside them: the emoji are ignored.
  keyword_with_emoji: [
    ['好的[强]', 'keyword'],
    ['好的👍', 'keyword'],
    ['已阅🙏🏻', 'keyword'],
    ['[OK]收到', 'keyword'],
    ['收到[抱拳]', 'keyword'],
    ['已阅[玫瑰]', 'keyword'],
    ['收到👌', 'keyword'],
    ['收到😊', 'keyword'],
    ['👍已阅', 'keyword'],
    ['收到[握手][握手]', 'keyword'],
  ],
  // Ordinary ways of saying "I read it" that are no fixed word.
  read_form: [
    ['看完了', 'read_form'],
    ['看完了,谢谢老师', 'read_form'],
    ['都看了', 'read_form'],
    ['已看完', 'keyword'], // 已看 is a keyword
    ['已经看完了', 'read_form'],
    ['看过了', 'read_form'],
    ['看过了,很有用', 'read_form'],
    ['读完了', 'read_form'],
    ['孩子和我一起看完了', 'read_form'],
    ['认真学习了', 'read_form'],
    ['仔细阅读了', 'read_form'],
    ['已认真阅读', 'read_form'],
    ['全家都看了', 'read_form'],
    ['我们都看了', 'read_form'],
    ['刚看完', 'read_form'],
    ['学习完了', 'read_form'],
    ['视频看完了', 'read_form'],
    ['阅读完毕', 'read_form'],
    ['文章读完了', 'read_form'],
    ['看到了', 'read_form'],
    ['我看到了', 'read_form'],
    ['已经阅读', 'read_form'],
    ['阅读了', 'read_form'],
    ['看了,谢谢', 'read_form'],
    ['我看了', 'read_form'],
    ['也看了', 'read_form'],
    ['已经看了', 'read_form'],
    ['早就看过了', 'read_form'],
    ['和孩子一起看过了', 'read_form'],
    ['看好了', 'read_form'],
  ],
  // Words that confirm only as the whole reply.
  whole_word: [
    ['阅', 'whole_word'],
    ['1', 'whole_word'],
    ['OK', 'whole_word'],
    ['ｏｋ', 'whole_word'],
    ['ok!', 'whole_word'],
    ['Okay', 'whole_word'],
    ['嗯嗯', 'whole_word'],
    ['嗯', 'whole_word'],
    ['恩恩', 'whole_word'],
    ['嗯呢', 'whole_word'],
    ['好', 'whole_word'],
    ['好!', 'whole_word'],
    ['好好', 'whole_word'],
    ['是的', 'whole_word'],
    ['收', 'whole_word'],
    ['看了', 'whole_word'],
    ['看了。', 'whole_word'],
    ['谢谢老师', 'whole_word'],
    ['谢谢老师!', 'whole_word'],
    ['感谢老师', 'whole_word'],
    ['老师辛苦了', 'whole_word'],
    ['老师辛苦了🌹', 'whole_word'],
  ],
  // The emoji rule: only acknowledgement emoji confirm (like "OK"); other emoji-only replies do not.
  emoji: [
    ['👍', 'emoji'],
    ['👍🏻', 'emoji'],
    ['👍👍👍', 'emoji'],
    ['👌', 'emoji'],
    ['👌🏻', 'emoji'],
    ['[强]', 'emoji'],
    ['[强][强]', 'emoji'],
    ['[OK]', 'emoji'],
    ['🙏', 'emoji'],
    ['🙏🙏', 'emoji'],
    ['[抱拳]', 'emoji'],
    ['[握手]', 'emoji'],
    ['✅', 'emoji'],
    ['😂', 'no_keyword'],
    ['🌹', 'no_keyword'],
    ['😊', 'no_keyword'],
    ['[微笑]', 'no_keyword'],
    ['[玫瑰]', 'no_keyword'],
    ['[呲牙]', 'no_keyword'],
    ['👍😂', 'no_keyword'],
  ],
  // Post codes: alone they confirm that post; with a question they confirm nothing.
  code: [
    ['F123', 'code_only'],
    ['f123', 'code_only'],
    ['ｆ１２３', 'code_only'],
    ['F123 👍', 'code_only'],
    ['F123 已阅', 'keyword'],
    ['F123 看完了', 'read_form'],
    ['F12、F13 已阅', 'keyword'],
    ['F123是什么', 'no_keyword'],
    ['F123 这是真的吗', 'no_keyword'],
  ],
  // Questions: a final particle or question mark, or a question word anywhere in a short reply.
  question: [
    ['收到了吗?', 'question'],
    ['大家收到了吗', 'question'],
    ['收到了么', 'question'],
    ['收到了嘛', 'question'],
    ['收到没', 'question'],
    ['收到没有', 'question'],
    ['收到未', 'question'],
    ['收到?', 'question'],
    ['收到？', 'question'],
    ['看了吗', 'question'],
    // An emoji or a form of address after the particle does not end the question.
    ['收到没😀', 'question'],
    ['收到了吗[微笑]', 'question'],
    ['收到没老师', 'question'],
    ['看了吗各位家长', 'question'],
    ['收到了吗老师们?', 'question'],
    ['收到老师👍', 'keyword'],
    ['看完了吗', 'question'],
    ['都看了没', 'question'],
    ['你们看了没有', 'question'],
    ['知道了吗', 'question'],
    ['明白了吗?', 'question'],
    ['大家看完了吧?', 'question'],
    ['哪位家长收到了', 'question'],
    ['哪位家长已阅', 'question'],
    ['有谁收到了', 'question'],
    ['谁看了', 'question'],
    ['谁已读', 'question'],
    ['收到几份', 'question'],
    ['收到学校的通知了吗', 'question'],
    ['请问大家收到缴费通知了吗', 'question'],
    ['收到什么了', 'question'],
    ['已阅是什么意思', 'question'],
    ['是否已阅', 'question'],
    ['怎么回复已阅', 'instruction'], // asks how to do what it quotes
    ['都收到了没呀', 'question'], // 了没 asks, whatever particle follows
    ['看完了没?', 'question'],
    ['你收到了吗', 'question'],
    ['老师,收到的文件打不开吗', 'question'],
  ],
  // Negation of any verb of reading, receiving or understanding — also before a different verb than
  // the keyword ("没看懂", "没看清楚") — confirms nothing.
  negation: [
    ['没收到', 'negation'],
    ['我还没收到', 'negation'],
    ['还没有收到', 'negation'],
    ['还没看', 'negation'],
    ['没看懂', 'negation'],
    ['没看清楚', 'negation'],
    ['还没来得及看', 'negation'],
    ['没仔细看', 'negation'],
    ['看不懂', 'negation'],
    ['收不到', 'negation'],
    ['没有收到文章', 'negation'],
    ['未读', 'negation'],
    ['未阅', 'negation'],
    ['不知道了', 'negation'],
    ['不明白', 'negation'],
    ['不太明白', 'negation'],
    ['不了解', 'negation'],
    ['孩子还没看', 'negation'],
    ['还没学习', 'negation'],
    ['看不清楚', 'negation'],
    ['没点开', 'negation'],
    ['我这边没收到啊', 'negation'],
    ['没看到', 'negation'],
    ['没看到视频', 'negation'],
    ['收到了但是没看懂', 'negation'],
    ['我们家没有收到', 'negation'],
    ['还未阅读', 'negation'],
    ['哪位家长还没收到', 'negation'],
    ['有谁没看到', 'negation'],
    ['有没有收到', 'negation'],
    ['视频看不了', 'negation'],
    ['没明白什么意思', 'negation'],
    ['没空看', 'negation'],
    ['不想看了', 'negation'],
    ['不用看了吧', 'negation'],
  ],
  // A teacher's (or anyone's) request to reply, even when it quotes the keyword.
  instruction: [
    ['请家长回复已阅', 'instruction'],
    ['请各位家长回复"已阅"', 'instruction'],
    ['请各位家长回复"已阅"吗', 'instruction'],
    ['看到的请回复收到', 'instruction'],
    ['收到请回复', 'instruction'],
    ['收到请扣1', 'instruction'],
    ['看完回复已阅', 'instruction'],
    ['请大家认真观看并回复收到', 'instruction'],
    ['各位家长看完后请回复“已阅”', 'instruction'],
    ['麻烦家长们回复一下', 'instruction'],
    ['请及时回复收到', 'instruction'],
    ['家长们记得回复已阅哦', 'instruction'],
    ['没看的家长请回复', 'instruction'],
    ['请在群里回复收到', 'instruction'],
    ['看到请回个1', 'instruction'],
    ['收到的家长请接龙', 'instruction'],
    ['请确认已阅', 'instruction'],
    ['请务必回复"收到"', 'instruction'],
    ['已阅的请扣1', 'instruction'],
    ['看完的回复已阅', 'instruction'],
    ['【通知】请各位家长观看视频后回复"已阅"', 'instruction'],
    ['看完记得回复已阅', 'instruction'],
    ['收到的回复一下', 'instruction'],
    ['回复:已阅', 'instruction'],
    ['@所有人 请回复收到', 'instruction'],
    ['各位家长,收到请回复', 'instruction'],
  ],
  // Conversation: nothing that confirms, or too long to be a reply to the post.
  chatter: [
    ['', 'empty'],
    ['   ', 'empty'],
    ['2', 'no_keyword'],
    ['好好好', 'no_keyword'],
    ['谢谢', 'no_keyword'],
    ['哈哈', 'no_keyword'],
    ['老师好', 'no_keyword'],
    ['孩子今天发烧请假一天', 'no_keyword'],
    ['这个骗局好可怕', 'no_keyword'],
    ['我家孩子差点被骗', 'no_keyword'],
    ['今天几点放学', 'no_keyword'],
    ['明天下雨吗', 'no_keyword'],
    ['链接点不开', 'no_keyword'],
    ['视频打不开', 'no_keyword'],
    ['看不出来是诈骗', 'no_keyword'],
    ['转发给孩子爸爸', 'no_keyword'],
    ['好的老师,今天孩子在学校表现怎么样?最近作业有点多,孩子每天写到很晚,能不能少布置一点?谢谢', 'too_long'],
    ['今天孩子在学校表现很好,老师辛苦了,有什么需要家长配合的请随时告诉我们,我们一定好好配合学校的工作,谢谢老师的关心!好的', 'too_long'],
  ],
};

const CONFIRMS: ReadonlySet<ReplyReason> = new Set(['keyword', 'read_form', 'whole_word', 'emoji', 'code_only']);
const all = Object.entries(CORPUS).flatMap(([kind, entries]) => entries.map(([text, reason]) => ({ kind, text, reason })));

describe('the reply corpus', () => {
  it('holds at least 200 replies, each once', () => {
    expect(all.length).toBeGreaterThanOrEqual(200);
    expect(new Set(all.map((e) => e.text)).size).toBe(all.length);
  });

  it.each(all.map((e) => [e.kind, e.text, e.reason] as const))('%s: %j → %s', (_kind, text, reason) => {
    const r = parseReply(text);
    expect({ reason: r.reason, confirms: r.general }).toEqual({ reason, confirms: CONFIRMS.has(reason) });
  });
});

describe('codes and quotes', () => {
  it('reads post codes the ways people type them', () => {
    expect(findCodes('F123 已阅')).toEqual(['F123']);
    expect(findCodes('f123已阅')).toEqual(['F123']);
    expect(findCodes('ｆ１２３ 收到')).toEqual(['F123']);
    expect(findCodes('F 45 收到')).toEqual(['F45']);
    expect(findCodes('F12、F13 已阅')).toEqual(['F12', 'F13']);
    expect(findCodes('OFF123 已阅')).toEqual([]);
    expect(findCodes('已阅')).toEqual([]);
  });

  it('a code with a keyword, or a code alone, names only that code', () => {
    expect(parseReply('F123 已阅')).toMatchObject({ general: true, codes: ['F123'] });
    expect(parseReply('F123')).toMatchObject({ general: true, codes: ['F123'] });
    expect(parseReply('F123 这是真的吗')).toMatchObject({ general: false, codes: ['F123'] });
  });

  it('a quote of the bot finds the codes in the quoted text; a quote of someone else does not', () => {
    const quoted = '【国家反诈中心】警惕刷单返利骗局\n编号 F77,看后请回复"已阅"';
    expect(parseReply('已阅', { text: quoted, self: true }).quotedCodes).toEqual(['F77']);
    expect(parseReply('已阅', { text: quoted, self: false }).quotedCodes).toEqual([]);
    const reminder = '【温馨提醒】以下推送还有家人未回复确认:\nF12《刷单》未确认 2 人\nF15《冒充客服》未确认 1 人';
    expect(parseReply('看完了', { text: reminder, self: true }).quotedCodes).toEqual(['F12', 'F15']);
  });
});

describe('attestation words', () => {
  it('count only when affirmed', () => {
    const words = ['已安装'];
    expect(affirmedWords(parseReply('已安装'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('已安装,已关注视频号'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('安装好了'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('已经安装了[强]'), words)).toEqual(['已安装']);
    expect(affirmedWords(parseReply('还没安装'), words)).toEqual([]);
    expect(affirmedWords(parseReply('还没安装好'), words)).toEqual([]);
    expect(affirmedWords(parseReply('已安装了吗'), words)).toEqual([]);
    expect(affirmedWords(parseReply('安装了吗'), words)).toEqual([]);
    expect(affirmedWords(parseReply('请大家安装并回复已安装'), words)).toEqual([]);
    expect(affirmedWords(parseReply('收到'), words)).toEqual([]);
    expect(parseReply('已安装').general).toBe(false);
    expect(mightConfirm(parseReply('已安装'), words)).toBe(true);
    expect(mightConfirm(parseReply('今天天气不错'), words)).toBe(false);
  });
});
