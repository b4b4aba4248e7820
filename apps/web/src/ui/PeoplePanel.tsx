import type { ResultOf } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import type { Route } from './ChatScreen.js';
import { errorText } from './errors.js';
import { Field } from './Field.js';
import { ago } from './format.js';
import { useNow } from './hooks.js';

type User = ResultOf<'user.list'>['users'][number];

/** The user directory: who is online, when the others were last seen, and a way to message each. */
export function PeoplePanel({ session, navigate }: { session: ChatSession; navigate: (r: Route) => void }) {
  const now = useNow();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const online = session.online;

  useEffect(() => {
    if (!online) return;
    session
      .listUsers()
      .then((r) => {
        setUsers(r.users);
        setError(null);
      })
      .catch((err) => setError(errorText(err)));
  }, [session, online]);

  const wanted = filter.trim().toLowerCase();
  const shown = (users ?? []).filter((u) => u.u !== session.username && u.u.includes(wanted));

  return (
    <section class="panel" aria-labelledby="people-title">
      <header class="panel-head">
        <a class="back" href="#" aria-label="Back to conversations">
          ‹
        </a>
        <h2 id="people-title">People</h2>
      </header>
      <div class="card inline">
        <Field id="people-filter" label="Find someone" value={filter} onValue={setFilter} />
      </div>
      {!online && <p class="muted pad">The directory needs a connection.</p>}
      {error && (
        <p class="error pad" role="alert">
          {error}
        </p>
      )}
      {users && shown.length === 0 && <p class="muted pad">Nobody found.</p>}
      <ul class="rows">
        {shown.map((u) => {
          const live = session.chat.presence.get(u.u);
          const on = live ? live.on : u.online;
          const seen = live && !live.on ? live.at : u.seen;
          return (
            <li key={u.u} class="row" data-user={u.u}>
              <span class="row-main">
                <strong>
                  <span class={`dot ${on ? 'on' : ''}`} aria-hidden="true" />
                  {u.u}
                </strong>
                <span class="muted">
                  {on ? 'online' : seen ? `last seen ${ago(seen, now)}` : 'offline'}
                  {u.lastMsg ? ` · last message ${ago(u.lastMsg, now)}` : ''}
                </span>
              </span>
              <button type="button" onClick={() => navigate({ view: 'conversation', ref: `@${u.u}` })} aria-label={`Message ${u.u}`}>
                Message
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
