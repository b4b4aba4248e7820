import { DEFAULT_ROOM } from '@tidings/protocol';
import type { ChatSession } from '../app/session.js';
import { peerOf } from '../state/chat.js';
import type { Route } from './ChatScreen.js';
import { eventText, title } from './format.js';

export function Sidebar({ session, route, navigate }: { session: ChatSession; route: Route; navigate: (r: Route) => void }) {
  const chat = session.chat;
  const list = chat.list();
  const current = (view: Route['view']) => (route.view === view ? 'page' : undefined);
  return (
    <aside class="sidebar">
      <nav class="places" aria-label="Places">
        <a href="#/rooms" aria-current={current('rooms')}>
          Rooms
        </a>
        <a href="#/people" aria-current={current('people')}>
          People
        </a>
        <a href="#/account" aria-current={current('account')}>
          Account
        </a>
      </nav>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const q = (new FormData(e.currentTarget).get('q') as string).trim();
          if (q) navigate({ view: 'search', q });
        }}
      >
        <input name="q" type="search" aria-label="Search messages" placeholder="Search messages" maxLength={200} />
      </form>
      <nav class="conversations" aria-label="Conversations">
        <h2 class="sr-only">Conversations</h2>
        {list.length === 0 && (
          <div class="pad">
            <p class="muted">No conversations yet. Start in the room everyone can join, find more under Rooms, or message someone under People.</p>
            <p>
              <a class="button" href={`#/c/${DEFAULT_ROOM}`}>
                Go to #{DEFAULT_ROOM}
              </a>
            </p>
          </div>
        )}
        <ul>
          {list.map((c) => {
            const unread = chat.unread(c.ref);
            const mentions = chat.mentions(c.ref);
            const peer = peerOf(c.ref);
            const online = peer ? chat.presence.get(peer)?.on === true : false;
            const last = c.last;
            const preview = last ? (last.ev ? eventText(last.u, last.ev, Date.now()) : last.del ? 'message deleted' : last.x) : '';
            return (
              <li key={c.ref}>
                <a
                  href={`#/c/${c.ref}`}
                  class={`conv ${unread > 0 ? 'unread' : ''}`}
                  aria-current={route.view === 'conversation' && route.ref === c.ref ? 'page' : undefined}
                  data-ref={c.ref}
                >
                  <span class="conv-name">
                    {peer && <span class={`dot ${online ? 'on' : ''}`} aria-label={online ? 'online' : 'offline'} />}
                    {title(c.ref)}
                  </span>
                  {mentions > 0 && (
                    <span class="badge at" aria-label={`${mentions} ${mentions === 1 ? 'mention' : 'mentions'} of you`}>
                      @{mentions}
                    </span>
                  )}
                  {unread > 0 && (
                    <span class="badge" aria-label={`${unread} unread`}>
                      {unread > 99 ? '99+' : unread}
                    </span>
                  )}
                  {preview && (
                    <span class="preview">
                      {last && !last.ev && !last.del && `${last.u === session.username ? 'you' : last.u}: `}
                      <bdi dir="auto">{preview}</bdi>
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
    </aside>
  );
}
