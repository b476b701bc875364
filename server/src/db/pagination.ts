// Cursor pagination (DESIGN.md "lists"): newest first, keyed by id. Ids sort by creation time, so
// "the rows after this one" is `id < cursor` on an index that already exists for every list.
// The cursor is opaque to clients (base64url of the last id they saw) so it can change shape later.
import { ApiError } from '../http/problem.ts';
import type { IdPrefix } from './ids.ts';

export interface PageRequest {
  /** 1..100; the spec's validator has already bounded it. */
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const ID_BODY = /^[0-9a-hjkmnp-tv-z]{24}$/;

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a cursor stands for, checked to be one of ours for this kind of object. */
export function decodeCursor(cursor: string, prefix: IdPrefix): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Re-encoding catches what base64url decoding silently skips (stray characters, padding).
  const body = id.startsWith(`${prefix}_`) ? id.slice(prefix.length + 1) : '';
  if (!ID_BODY.test(body) || encodeCursor(id) !== cursor) {
    throw new ApiError('E1001', 'The cursor is not valid.', {
      errors: [{ path: '/query/cursor', message: 'is not a cursor from this API' }],
    });
  }
  return id;
}

/** The filter for the rows after the cursor: spread it into a MikroORM `where`, order by id desc. */
export function afterCursor(cursor: string | undefined, prefix: IdPrefix): { id?: { $lt: string } } {
  return cursor === undefined ? {} : { id: { $lt: decodeCursor(cursor, prefix) } };
}

/**
 * `rows` were fetched with `limit + 1`, newest first: the extra row only says there is a next page.
 * `view` turns a row into what the client sees.
 */
export function page<Row extends { id: string }, View>(rows: readonly Row[], limit: number, view: (row: Row) => View): Page<View> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    data: shown.map(view),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null,
  };
}
