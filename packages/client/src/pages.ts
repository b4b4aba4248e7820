/** A page of a list: chat.conversations, room.list and user.list answer one (docs/protocol.md, "Packet and page limits"). */
export interface ListPageResult {
  more: boolean;
  next?: string | undefined;
}

/** Pages read at most by {@link readAllPages}: 2,000 × 500 items, far past any directory. */
export const MAX_LIST_PAGES = 2000;

/**
 * Every page of a list, in order: asks `fetch(undefined)`, then `fetch(next)` while `more`. Stops
 * at a page without a new cursor (a server that repeats itself must not loop a client) and after
 * `maxPages`.
 */
export async function readAllPages<P extends ListPageResult>(fetch: (after: string | undefined) => Promise<P>, maxPages = MAX_LIST_PAGES): Promise<P[]> {
  const pages: P[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await fetch(after);
    pages.push(page);
    if (!page.more || page.next === undefined || page.next === after || pages.length >= maxPages) return pages;
    after = page.next;
  }
}
