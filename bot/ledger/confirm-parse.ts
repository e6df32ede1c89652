// Reading a group reply as a read confirmation. Pure: no database, no chat. The word lists live in
// content/locales/zh-CN/ledger.yml (ledger.keywords, whole_words, negations, questions).
import { list } from '../i18n.ts';

export interface ConfirmWords {
  /** Confirm when they occur anywhere (not negated, not asked). */
  keywords: string[];
  /** Confirm only as the whole reply. */
  wholeWords: string[];
  negations: string[];
  questions: string[];
}

/** What a reply says, before it is matched against the posts delivered to the group. */
export interface ParsedReply {
  /** A general confirmation keyword is present (or the reply is only post codes). */
  general: boolean;
  /** Post codes named in the reply (`F123 已阅`), upper-case. */
  codes: string[];
  /** The code found in the quoted bot message, for quote-replies of the bot. */
  quotedCode?: string;
  /** The normalised text, for attestation words (see affirmedWords). */
  text: string;
}

/** Longest reply still read as a confirmation; longer texts are conversation. */
export const MAX_REPLY_CHARS = 40;

let cached: ConfirmWords | undefined;

/** The word lists from content/ (loaded once). */
export function contentWords(): ConfirmWords {
  cached ??= {
    keywords: list('ledger.keywords').map(normalize),
    wholeWords: list('ledger.whole_words').map((w) => normalize(String(w))),
    negations: list('ledger.negations').map(normalize),
    questions: list('ledger.questions').map(normalize),
  };
  return cached;
}

/** NFKC (full-width → ASCII), lower case, no spaces. */
export function normalize(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

// WeChat emoji codes ("[强]", "[OK]"), pictographs, and punctuation: removed before matching whole words.
const EMOJI_CODE = /\[[^\][]{1,6}\]/g;
const PICTO = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f]/gu;
const PUNCT = /[\p{P}\p{S}~]/gu;
const CODE = /(?<![a-z0-9])f(\d{1,9})(?![0-9])/g;

/** Post codes in a text (`F123`, `ｆ１２３`, `f 123`), as `F123`. */
export function findCodes(text: string): string[] {
  const t = text.normalize('NFKC').toLowerCase().replace(/(?<![a-z0-9])f\s+(?=\d)/g, 'f');
  return [...new Set([...t.matchAll(CODE)].map((m) => `F${Number(m[1])}`))];
}

function bare(s: string): string {
  return s.replace(EMOJI_CODE, '').replace(PICTO, '').replace(PUNCT, '');
}

/**
 * True when `word` occurs in `text` at least once neither negated ("没收到", "还没有收到") nor asked
 * ("收到了吗", "收到没有"). `text` is normalised.
 */
export function affirms(text: string, word: string, w: ConfirmWords): boolean {
  if (!word) return false;
  let from = 0;
  for (;;) {
    const i = text.indexOf(word, from);
    if (i < 0) return false;
    from = i + 1;
    const before = bare(text.slice(Math.max(0, i - 3), i));
    if (w.negations.some((n) => before.endsWith(n))) continue;
    // "没收到" and "没有收到" are caught above; "还没看到" has no keyword. "收不到" has none either.
    const after = text.slice(i + word.length, i + word.length + 5).replace(/^["'“”‘’」』]+/, '').replace(/^[了啦的]+/, '');
    if (w.questions.some((q) => after.startsWith(q))) continue;
    return true;
  }
}

/** Parses one group reply; quoted text counts only when the quoted message is the bot's. */
export function parseReply(
  text: string,
  quote: { text?: string; self?: boolean } = {},
  words: ConfirmWords = contentWords(),
): ParsedReply {
  const norm = normalize(text);
  const codes = findCodes(text);
  const quotedCode = quote.self && quote.text ? findCodes(quote.text)[0] : undefined;
  if (norm.length > MAX_REPLY_CHARS && codes.length === 0) return { general: false, codes: [], quotedCode, text: '' };
  const stripped = bare(norm);
  const onlyCodes = codes.length > 0 && stripped.replace(/f\d{1,9}/g, '') === '';
  const whole = words.wholeWords.includes(stripped.replace(/f\d{1,9}/g, ''));
  const general = onlyCodes || whole || words.keywords.some((k) => affirms(norm, k, words));
  return { general, codes, quotedCode, text: norm };
}

/** The attestation words among `candidates` that the reply affirms (e.g. 已安装 but not 没安装). */
export function affirmedWords(reply: ParsedReply, candidates: Iterable<string>, words: ConfirmWords = contentWords()): string[] {
  const out: string[] = [];
  for (const c of candidates) if (affirms(reply.text, normalize(c), words)) out.push(c);
  return out;
}

/** Whether a reply could confirm anything at all (cheap pre-filter before the database). */
export function mightConfirm(reply: ParsedReply, attestationWords: Iterable<string>): boolean {
  if (reply.general || reply.codes.length || reply.quotedCode) return true;
  for (const w of attestationWords) if (reply.text.includes(normalize(w))) return true;
  return false;
}
