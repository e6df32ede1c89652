// Reading a group reply as a read confirmation. Pure: no database, no chat. The rules (words,
// read-it forms, negations, question forms, instructions, acknowledgement emoji) live in
// content/locales/zh-CN/confirm.yml; tests/unit/confirm-parse.test.ts holds the corpus.
//
// Order of the decision (first match wins):
//   empty → only post codes (confirms those) → only emoji (acknowledgement emoji confirm) → too long
//   → a whole-reply word → an instruction to reply → a negated reading verb → per clause: a keyword
//   or read-it form in a clause that is not a question confirms.
import { list } from '../i18n.ts';

export interface ReaderRules {
  keywords: string[];
  wholeWords: string[];
  readForms: RegExp[];
  familyVerbs: string[];
  negations: string[];
  negationGap: string[];
  afterVerbNegations: string[];
  afterVerbResults: string[];
  donePrefixes: string[];
  doneForms: string[];
  finalParticles: string[];
  questionWords: string[];
  vocatives: string[];
  instructions: RegExp[];
  ackEmoji: string[];
}

/** Why a reply was read the way it was (the corpus checks it). */
export type ReplyReason =
  | 'keyword' // a confirmation word in a clause that is not a question
  | 'read_form' // "看完了", "都看了", "已看完" …
  | 'whole_word' // the whole reply is 阅 / 1 / OK / 好 …
  | 'emoji' // only acknowledgement emoji
  | 'code_only' // only post codes
  | 'empty'
  | 'too_long' // conversation, not a reply to the post
  | 'instruction' // a request to reply ("请回复已阅")
  | 'negation' // says it did not read / receive / understand
  | 'question' // the keyword is asked about
  | 'no_keyword'; // nothing that confirms

const CONFIRMING: ReadonlySet<ReplyReason> = new Set(['keyword', 'read_form', 'whole_word', 'emoji', 'code_only']);

/** What a reply says, before it is matched against the posts delivered to the group. */
export interface ParsedReply {
  /** The reply confirms (the posts it is limited to, or every post of the window). */
  general: boolean;
  reason: ReplyReason;
  /** Post codes named in the reply (`F123 已阅`), upper-case. */
  codes: string[];
  /** Codes in the quoted message, for quote-replies of the bot (a post, or a reminder listing posts). */
  quotedCodes: string[];
  /** The normalised text, for attestation words (see affirmedWords). */
  text: string;
}

/** Longest reply (without emoji) still read as a confirmation; longer texts are conversation. */
export const MAX_REPLY_CHARS = 40;

let cached: ReaderRules | undefined;

/** The rules from content/ (loaded once). */
export function contentRules(): ReaderRules {
  const words = (k: string) => list(`confirm.${k}`).map((w) => normalize(String(w)));
  const regexes = (k: string) => list(`confirm.${k}`).map((r) => new RegExp(String(r), 'u'));
  cached ??= {
    keywords: words('keywords'),
    wholeWords: words('whole_words'),
    readForms: regexes('read_forms'),
    familyVerbs: words('family_verbs'),
    negations: words('negations'),
    negationGap: words('negation_gap'),
    afterVerbNegations: words('after_verb_negations'),
    afterVerbResults: words('after_verb_results'),
    donePrefixes: words('done_prefixes').sort((a, b) => b.length - a.length),
    doneForms: words('done_forms'),
    finalParticles: words('final_particles'),
    questionWords: words('question_words'),
    vocatives: words('vocatives').sort((a, b) => b.length - a.length),
    instructions: regexes('instructions'),
    ackEmoji: list('confirm.ack_emoji').map((e) => stripModifiers(normalize(String(e)))),
  };
  return cached;
}

/** NFKC (full-width → ASCII), lower case, no spaces. */
export function normalize(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

// WeChat emoji codes ("[强]", "[OK]"), pictographs (with skin tones and joiners), punctuation.
const EMOJI = /\[[^\][]{1,6}\]|\p{Extended_Pictographic}(?:[\p{Emoji_Modifier}\ufe0f]|\u200d\p{Extended_Pictographic})*/gu;
const PUNCT = /[\p{P}\p{S}~]/gu;
// Spaces are left only where an emoji or a code was taken out: they end a clause too.
const CLAUSE_SEP = /[\p{P}\p{S}~\s]+/u;
const CODE = /(?<![a-z0-9])f(\d{1,9})(?![0-9])/g;

function stripModifiers(s: string): string {
  return s.replace(/[\p{Emoji_Modifier}\u200d\ufe0f]/gu, '');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Post codes in a text (`F123`, `ｆ１２３`, `f 123`), as `F123`. */
export function findCodes(text: string): string[] {
  const t = text.normalize('NFKC').toLowerCase().replace(/(?<![a-z0-9])f\s+(?=\d)/g, 'f');
  return [...new Set([...t.matchAll(CODE)].map((m) => `F${Number(m[1])}`))];
}

function bare(s: string): string {
  return s.replace(EMOJI, '').replace(PUNCT, '');
}

// Compiled per rule set: the negation patterns.
const negationCache = new WeakMap<ReaderRules, { before: RegExp; after: RegExp }>();
function negationPatterns(r: ReaderRules): { before: RegExp; after: RegExp } {
  let p = negationCache.get(r);
  if (!p) {
    const alt = (xs: string[]) => [...xs].sort((a, b) => b.length - a.length).map(escape).join('|');
    p = {
      before: new RegExp(`(?:${alt(r.negations)})(?:${alt(r.negationGap)})?(?:${alt(r.familyVerbs)})`, 'u'),
      after: new RegExp(`(?:${alt(r.familyVerbs)})(?:${alt(r.afterVerbNegations)})(?:${alt(r.afterVerbResults)})`, 'u'),
    };
    negationCache.set(r, p);
  }
  return p;
}

/** Whether a reply says it did not read, receive or understand ("没看懂", "还没来得及看", "收不到"). */
export function negatesReading(text: string, r: ReaderRules = contentRules()): boolean {
  const p = negationPatterns(r);
  const t = bare(text);
  return p.before.test(t) || p.after.test(t);
}

/** Whether a clause (one stretch between punctuation) is a question. */
function isQuestion(clause: string, endsWithMark: boolean, r: ReaderRules): boolean {
  if (endsWithMark) return true;
  if (r.questionWords.some((w) => clause.includes(w))) return true;
  // Final particles, but not a whole-clause particle of its own ("没" alone is an answer, not a question).
  return r.finalParticles.some((p) => clause.endsWith(p) && clause.length > p.length);
}

/** A keyword or read-it form that affirms in `clause` (which is not a question). */
function affirmsIn(clause: string, r: ReaderRules): 'keyword' | 'read_form' | undefined {
  if (r.keywords.some((k) => clause.includes(k))) return 'keyword';
  if (r.readForms.some((re) => re.test(clause))) return 'read_form';
  return undefined;
}

/** A clause without the forms of address that close it ("收到没老师" → "收到没"). */
function unaddressed(clause: string, r: ReaderRules): string {
  for (let changed = true; changed; ) {
    changed = false;
    for (const v of r.vocatives) {
      if (clause.length > v.length && clause.endsWith(v)) {
        clause = clause.slice(0, -v.length);
        changed = true;
      }
    }
  }
  return clause;
}

/** Splits into clauses (forms of address at their ends set aside), keeping whether each ended with a question mark. */
function clauses(text: string, r: ReaderRules): { text: string; asked: boolean }[] {
  const out: { text: string; asked: boolean }[] = [];
  const re = new RegExp(CLAUSE_SEP.source, 'gu');
  let last = 0;
  for (const m of text.matchAll(re)) {
    out.push({ text: unaddressed(text.slice(last, m.index), r), asked: /[?¿]/.test(m[0]) });
    last = m.index! + m[0].length;
  }
  out.push({ text: unaddressed(text.slice(last), r), asked: false });
  return out.filter((c) => c.text.length > 0);
}

/** Reads the words of a reply (codes already removed); the reason decides. */
function readWords(norm: string, r: ReaderRules): ReplyReason {
  const noEmoji = norm.replace(EMOJI, ' ');
  if (r.wholeWords.includes(bare(norm))) return 'whole_word';
  if (r.instructions.some((re) => re.test(noEmoji))) return 'instruction';
  if (negatesReading(noEmoji, r)) return 'negation';
  let asked = false;
  for (const c of clauses(noEmoji, r)) {
    const question = isQuestion(c.text, c.asked, r);
    // "看了吗": the words before the question particle are what is asked about.
    const particle = question ? r.finalParticles.find((p) => c.text.endsWith(p) && c.text.length > p.length) : undefined;
    const found = affirmsIn(particle ? c.text.slice(0, -particle.length) : c.text, r);
    if (!found) continue;
    if (question) {
      asked = true;
      continue;
    }
    return found;
  }
  return asked ? 'question' : 'no_keyword';
}

// Replies repeat a lot ("收到", "已阅" from a whole class within minutes): the reading of a text is
// remembered (per rule set, bounded) so a burst costs one regex pass per distinct text.
const reasonCache = new WeakMap<ReaderRules, Map<string, ReplyReason>>();
const REASON_CACHE_MAX = 5_000;

function reasonOf(words: string, hasCodes: boolean, rules: ReaderRules): ReplyReason {
  let cache = reasonCache.get(rules);
  if (!cache) reasonCache.set(rules, (cache = new Map()));
  const key = hasCodes ? `\u0001${words}` : words;
  let reason = cache.get(key);
  if (reason === undefined) {
    const emoji = [...words.matchAll(EMOJI)].map((m) => stripModifiers(m[0]));
    const plain = bare(words);
    if (!plain && !emoji.length) reason = hasCodes ? 'code_only' : 'empty';
    else if (!plain) reason = emoji.every((e) => rules.ackEmoji.includes(e)) ? (hasCodes ? 'code_only' : 'emoji') : 'no_keyword';
    else if (plain.length > MAX_REPLY_CHARS && !hasCodes) reason = 'too_long';
    else reason = readWords(words, rules);
    if (cache.size >= REASON_CACHE_MAX) cache.clear();
    cache.set(key, reason);
  }
  return reason;
}

/** Parses one group reply; quoted text counts only when the quoted message is the bot's. */
export function parseReply(
  text: string,
  quote: { text?: string; self?: boolean } = {},
  rules: ReaderRules = contentRules(),
): ParsedReply {
  const norm = normalize(text);
  const codes = findCodes(text);
  const quotedCodes = quote.self && quote.text ? findCodes(quote.text) : [];
  const words = norm.replace(/(?<![a-z0-9])f\d{1,9}(?![0-9])/g, ' ').trim();
  const reason = reasonOf(words, codes.length > 0, rules);
  // A code with a non-confirming reply ("F12 是真的吗") names the post but confirms nothing.
  return { general: CONFIRMING.has(reason), reason, codes, quotedCodes, text: norm };
}

/**
 * True when `word` occurs in `text` (normalised) in a clause that neither asks nor negates it,
 * in a reply that is not an instruction ("还没安装" and "已安装了吗" do not affirm 已安装).
 */
export function affirms(text: string, word: string, rules: ReaderRules = contentRules()): boolean {
  if (!word) return false;
  const noEmoji = text.replace(EMOJI, ' ');
  if (rules.instructions.some((re) => re.test(noEmoji))) return false;
  const neg = new RegExp(`(?:${rules.negations.map(escape).join('|')})(?:${rules.negationGap.map(escape).join('|')})?$`, 'u');
  return clauses(noEmoji, rules).some((c) => {
    const i = c.text.indexOf(word);
    return i >= 0 && !neg.test(c.text.slice(0, i)) && !isQuestion(c.text, c.asked, rules);
  });
}

/**
 * The attestation words among `candidates` that the reply affirms: the word itself (已安装), or its
 * verb said done ("安装好了", "已经安装", "都装好了" is not: the verb must be the word's own).
 */
export function affirmedWords(reply: ParsedReply, candidates: Iterable<string>, rules: ReaderRules = contentRules()): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    const w = normalize(c);
    const prefix = rules.donePrefixes.find((p) => w.startsWith(p));
    const v = prefix ? w.slice(prefix.length) : w;
    const forms = v === w ? [w] : [w, ...rules.doneForms.map((f) => f.replace('{verb}', v))];
    if (forms.some((f) => affirms(reply.text, f, rules))) out.push(c);
  }
  return out;
}

/** Whether a reply could confirm anything at all (cheap pre-filter before the database). */
export function mightConfirm(reply: ParsedReply, attestationWords: Iterable<string>): boolean {
  if (reply.general) return true;
  for (const w of attestationWords) if (reply.text.includes(normalize(w))) return true;
  return false;
}
