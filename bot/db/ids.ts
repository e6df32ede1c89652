// Row ids are PostgreSQL `integer`s: a number typed by a person may be larger than any id can be.

export const MAX_ID = 2_147_483_647;

/** The id a person typed (digits only, 1 … 2³¹−1), or null when it cannot be an id. */
export function idFrom(text: string): number | null {
  const s = text.trim();
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= MAX_ID ? n : null;
}
