// Keyset ("cursor") paging for the long lists (groups, a post's deliveries): a page starts after,
// or ends before, the sort key of a row an earlier page returned. A deep page then costs what the
// first one costs (no OFFSET over thousands of sorted rows), and rows added or removed between two
// requests neither repeat nor go missing. Cursors are opaque to clients: base64url of a small JSON
// array tagged with the list they belong to; anything else is a polite 400.
import { z } from 'zod';
import { badRequest } from './errors.ts';

/** A row's position: the values of the list's ORDER BY, in order (the last one unique). */
export type SortKey = readonly (string | number)[];

/** What each key part is: 's' text, 'n' whole number. */
export type KeyShape = readonly ('s' | 'n')[];

export const cursorParams = {
  after: z.string().max(2000, { message: 'after is too long to be a cursor' }).optional(),
  before: z.string().max(2000, { message: 'before is too long to be a cursor' }).optional(),
};

export function encodeCursor(list: string, key: SortKey): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/** The 400 for a cursor this list did not give out (`name`: after or before). */
export const badCursor = (name: string) =>
  badRequest(`${name} is not a cursor of this list: use the "next" or "prev" value of an earlier answer as it is, or leave ${name} out to start from the first page`);

function decodeCursor(list: string, shape: KeyShape, name: string, raw: string): SortKey {
  const refuse = () => badCursor(name);
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw refuse();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parts) || parts.length !== shape.length + 1 || parts[0] !== list) throw refuse();
  const key = parts.slice(1);
  const ok = shape.every((t, i) => (t === 's' ? typeof key[i] === 'string' && !key[i].includes('\0') : Number.isSafeInteger(key[i])));
  if (!ok) throw refuse();
  return key as SortKey;
}

/** How one request pages: by number (OFFSET, kept for old clients), or after/before a cursor. */
export type PageWay = { kind: 'number'; page: number } | { kind: 'after'; key: SortKey } | { kind: 'before'; key: SortKey };

/**
 * Reads `page`, `after` and `before` (one of them at most). `pageGiven`: whether the request
 * named a page number (the schema defaults it to 1).
 */
export function pageWay(list: string, shape: KeyShape, q: { page: number; after?: string; before?: string }, pageGiven: boolean): PageWay {
  const given = [pageGiven && 'page', q.after !== undefined && 'after', q.before !== undefined && 'before'].filter(Boolean);
  if (given.length > 1) throw badRequest(`give one of page, after and before, not ${given.join(' and ')}`);
  if (q.after !== undefined) return { kind: 'after', key: decodeCursor(list, shape, 'after', q.after) };
  if (q.before !== undefined) return { kind: 'before', key: decodeCursor(list, shape, 'before', q.before) };
  return { kind: 'number', page: q.page };
}

/**
 * SQL for "the row's key comes after (or before) this cursor" over `columns` (the ORDER BY), binding
 * the key into `params`. The first column's bound is repeated on its own so an index on it is used.
 */
export function keySql(columns: readonly string[], key: SortKey, way: 'after' | 'before', params: unknown[]): string {
  const at = key.map((v) => {
    params.push(v);
    return `$${params.length}`;
  });
  const op = way === 'after' ? '>' : '<';
  return ` AND ${columns[0]} ${op}= ${at[0]} AND (${columns.join(', ')}) ${op} (${at.join(', ')})`;
}

/**
 * One page from rows fetched with LIMIT pageSize + 1 in the direction of travel (reversed for
 * `before`): the page in list order, and the cursors of the pages next to it (null at an end).
 */
export function pageOf<R>(list: string, way: PageWay, fetched: R[], pageSize: number, keyOf: (r: R) => SortKey) {
  const more = fetched.length > pageSize;
  const items = fetched.slice(0, pageSize);
  if (way.kind === 'before') items.reverse();
  const first = items[0];
  const last = items[items.length - 1];
  const cursor = (r: R | undefined) => (r === undefined ? null : encodeCursor(list, keyOf(r)));
  switch (way.kind) {
    case 'number':
      return { items, next: more ? cursor(last) : null, prev: way.page > 1 ? cursor(first) : null };
    case 'after':
      // Past the end: the way back starts at the cursor itself.
      return { items, next: more ? cursor(last) : null, prev: first === undefined ? encodeCursor(list, way.key) : cursor(first) };
    case 'before':
      return { items, next: last === undefined ? encodeCursor(list, way.key) : cursor(last), prev: more ? cursor(first) : null };
  }
}

/**
 * Pages by number up to this many rows deep let the database walk the list in order and skip the
 * rows (OFFSET over an index walk, cheap while shallow); deeper ones count the rows per unit name
 * first (unitStart), which costs about one pass over the list whatever the depth. (An object so
 * that tests can set it to 0 and take the deep path with a few rows.)
 */
export const paging = { walkMax: 4000 };

/**
 * Where a page by number starts, from the number of rows per unit name in list order (the lists
 * sort by unit name first): the first name whose rows reach past `skip`, and how many rows from
 * that name on to skip. OFFSET then runs over one unit's rows, not the whole list. null: past the end.
 */
export function unitStart(perName: readonly { name: string; n: string | number }[], skip: number): { name: string; offset: number } | null {
  let before = 0;
  for (const r of perName) {
    const n = Number(r.n);
    if (before + n > skip) return { name: r.name, offset: skip - before };
    before += n;
  }
  return null;
}
