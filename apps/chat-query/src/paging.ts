import { LIST_LIMIT_MAX, PAGE_BYTES, TidingsError } from '@tidings/protocol';

/**
 * At least the bytes of a message's JSON: its fields' keys and punctuation take 59 bytes, its four
 * numbers at most 16 digits each, and a character of text or username at most 6 (a `\u0001`
 * escape; a surrogate pair is 2 UTF-16 units and 4 bytes). A room event (rare) is measured:
 * `,"ev":` and its JSON; a remover's name `,"rb":""` and 6 bytes a character. Reactions: `,"rx":{}`
 * and at most 6 entries of at most 21 bytes (`"❤️":2147483647,`), ≤ 134; `,"my":[]` and at most 6 of
 * at most 9 (`"❤️",`), ≤ 62.
 */
export function messageBytesBound(m: { u: string; x: string; ev?: unknown; rb?: string | undefined; rx?: unknown; my?: unknown }): number {
  let bound = 160 + 6 * (m.x.length + m.u.length);
  if (m.ev !== undefined) bound += 6 + jsonBytesOf(m.ev);
  if (m.rb !== undefined) bound += 8 + 6 * m.rb.length;
  if (m.rx !== undefined) bound += 150;
  if (m.my !== undefined) bound += 70;
  return bound;
}

/** Bytes of `value` as JSON (UTF-8), exactly as the reply will carry it. */
export function jsonBytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * The first items, in order, that make a page: at most `limit` of them, and at most `budget`
 * bytes of JSON with the commas between them (PAGE_BYTES: the rest of the 60 KiB reply is left for
 * its other fields). The first item always goes in — none can be larger than the budget (a
 * message is at most about 24 KiB) — so every page moves on. `more`: items were left out.
 */
export function fillPage<T>(
  items: readonly T[],
  limit: number,
  budget: number = PAGE_BYTES,
  sizeOf: (item: T) => number = jsonBytesOf,
  /** An upper bound of sizeOf that is cheap: when the page's bounds fit, nothing is serialized to be measured. */
  boundOf?: (item: T) => number,
): { page: T[]; more: boolean } {
  if (boundOf) {
    const n = Math.min(limit, items.length);
    let bound = 0;
    for (let i = 0; i < n && bound <= budget; i++) bound += boundOf(items[i]!) + 1;
    if (bound <= budget) return { page: items.slice(0, n), more: n < items.length };
  }
  const page: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (page.length >= limit) break;
    const size = sizeOf(item) + (page.length > 0 ? 1 : 0);
    if (page.length > 0 && bytes + size > budget) break;
    bytes += size;
    page.push(item);
  }
  return { page, more: page.length < items.length };
}

export interface ListPage<T> {
  items: T[];
  more: boolean;
  next?: string;
}

/**
 * One page of a list sorted by `compare`: the items after the cursor `after` (decoded by
 * `cursorOf`'s inverse, `parse`), filled by {@link fillPage}; `next` is the last item's cursor when
 * there are more. The list is read whole and paged here, not in SQL: its order is by UTF-16 code
 * units, which SQL collations do not all share.
 */
export function listPage<T, K>(
  sorted: readonly T[],
  request: { after?: string | undefined; limit?: number | undefined },
  keys: {
    keyOf: (item: T) => K;
    compare: (a: K, b: K) => number;
    cursorOf: (key: K) => string;
    parse: (cursor: string) => K | undefined;
    /** Bytes of the item as the reply carries it (default: its JSON). */
    sizeOf?: (item: T) => number;
  },
  budget: number = PAGE_BYTES,
): ListPage<T> {
  let rest = sorted;
  if (request.after !== undefined) {
    const after = keys.parse(request.after);
    if (after === undefined) throw new TidingsError('BAD_REQUEST', 'after: not a cursor of this list (send the `next` of the previous page)');
    const first = sorted.findIndex((item) => keys.compare(after, keys.keyOf(item)) < 0);
    rest = first < 0 ? [] : sorted.slice(first);
  }
  const { page, more } = fillPage(rest, request.limit ?? LIST_LIMIT_MAX, budget, keys.sizeOf);
  const last = page[page.length - 1];
  return more && last !== undefined ? { items: page, more, next: keys.cursorOf(keys.keyOf(last)) } : { items: page, more: false };
}
