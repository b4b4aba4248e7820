import { useEffect, useState } from 'preact/hooks';
import type { ChatSession, SearchHit } from '../app/session.js';
import { errorText } from './errors.js';
import { clock, title } from './format.js';

/** The hits of a search (`#/search/<words>`), newest first, each opening its conversation; "Older" reads the next page. */
export function SearchPanel({ session, q }: { session: ChatSession; q: string }) {
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const online = session.online;

  const load = (before?: string) =>
    session.search(q, before).then(
      (page) => {
        setHits((h) => [...(before ? (h ?? []) : []), ...page.hits]);
        setNext(page.more ? page.next : undefined);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );

  useEffect(() => {
    if (online) void load();
  }, [q, online]);

  const now = Date.now();
  return (
    <section class="panel" aria-labelledby="search-title">
      <header class="panel-head">
        <a class="back" href="#" aria-label="Back to conversations">
          ‹
        </a>
        <h2 id="search-title">Search: {q}</h2>
      </header>
      {!online && <p class="muted pad">Search needs a connection.</p>}
      {error && (
        <p class="error pad" role="alert">
          {error}
        </p>
      )}
      {hits?.length === 0 && <p class="muted pad">No messages found.</p>}
      {hits && hits.length > 0 && (
        <ul class="rows" aria-label="Hits">
          {hits.map((h) => (
            <li key={h.r} class="row">
              <a class="row-main hit" href={`#/c/${h.c}`} data-ref={h.r}>
                <span class="muted">
                  {title(h.c)} · {h.u} · {clock(h.at, now)}
                </span>
                <span class="text" dir="auto">
                  {h.x}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <p class="pad">
          <button type="button" onClick={() => void load(next)} disabled={!online}>
            Older
          </button>
        </p>
      )}
    </section>
  );
}
