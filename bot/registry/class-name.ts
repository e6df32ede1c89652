// What a class name may be. It is shown in reports, exports (Excel) and reminders, so it must read as
// a class: 汉字, letters, digits, spaces and a few separators, starting with a letter or digit (a
// leading = + - @ would be a formula in a spreadsheet), at most CLASS_NAME_MAX characters.
import { UserError } from '../errors.ts';

export const CLASS_NAME_MAX = 30;

const ALLOWED = /^[\p{L}\p{N}][\p{L}\p{N} ()（）·._\-—/]*$/u;

/** Why `name` (already NFKC-normalised and trimmed) is not a usable class name, or null. */
export function classNameProblem(name: string): string | null {
  if (!name) return 'empty';
  if ([...name].length > CLASS_NAME_MAX) return `longer than ${CLASS_NAME_MAX} characters`;
  // Hangul fillers are letters that print as nothing (used for "invisible" names).
  if (!ALLOWED.test(name) || /[\u115F\u1160\u3164\uFFA0]/u.test(name)) return /^[=+\-@]/.test(name) ? 'starts with = + - or @' : 'has characters other than letters, digits, spaces and ()·-._/';
  return null;
}

/** The class name as stored (full-width forms folded, spaces collapsed); a UserError when unusable. */
export function checkClassName(raw: string): string {
  const name = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const problem = classNameProblem(name);
  if (problem) throw new UserError('registry.class_name_bad', { name: raw.slice(0, 40), max: CLASS_NAME_MAX }, `the class name "${raw.slice(0, 40)}" ${problem}`);
  return name;
}
