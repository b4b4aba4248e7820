import { ConversationRef, ROOM_NAME_PATTERN } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { ConversationView } from './ConversationView.js';
import { LinkBanner } from './LinkBanner.js';
import { Sidebar } from './Sidebar.js';
import { useHash } from './hooks.js';

export type Route =
  | { view: 'home' }
  | { view: 'rooms' }
  | { view: 'people' }
  | { view: 'account' }
  | { view: 'conversation'; ref: string }
  | { view: 'room'; ref: string }
  | { view: 'search'; q: string };

/** `#/c/general`, `#/c/@bob`, `#/room/general` (its members and settings), `#/search/<words>`, `#/rooms`, `#/people`, `#/account`; anything else is the list. */
export function parseRoute(hash: string): Route {
  if (hash === '/rooms' || hash === '/people' || hash === '/account') return { view: hash.slice(1) as 'rooms' | 'people' | 'account' };
  if (hash.startsWith('/search/')) return { view: 'search', q: decodeURIComponent(hash.slice(8)) };
  if (hash.startsWith('/room/') && ROOM_NAME_PATTERN.test(hash.slice(6))) return { view: 'room', ref: hash.slice(6) };
  if (hash.startsWith('/c/')) {
    const ref = decodeURIComponent(hash.slice(3));
    if (ConversationRef.safeParse(ref).success) return { view: 'conversation', ref };
  }
  return { view: 'home' };
}

export function hrefOf(route: Route): string {
  if (route.view === 'conversation') return `#/c/${route.ref}`;
  if (route.view === 'room') return `#/room/${route.ref}`;
  if (route.view === 'search') return `#/search/${encodeURIComponent(route.q)}`;
  return route.view === 'home' ? '#' : `#/${route.view}`;
}

const loadPanels = () => import('./panels.js');
type Panels = Awaited<ReturnType<typeof loadPanels>>;
let panelsLoaded: Panels | null = null;

/** The rooms, people and account screens, fetched the first time one of them is opened. */
function usePanels(wanted: boolean): Panels | string | null {
  const [panels, setPanels] = useState<Panels | string | null>(panelsLoaded);
  useEffect(() => {
    if (!wanted || (panels && typeof panels !== 'string')) return;
    loadPanels().then(
      (m) => setPanels((panelsLoaded = m)),
      () => setPanels('This page could not be loaded: check your connection and try again.'),
    );
  }, [wanted]);
  return panels;
}

export function ChatScreen({ session }: { session: ChatSession }) {
  const [hash, go] = useHash();
  const route = parseRoute(hash);
  const active = route.view === 'conversation' ? route.ref : null;

  // Open the conversation before it is drawn, so its first drawing already has the
  // "new messages" line to scroll to (an effect would run after that drawing).
  if (session.chat.active !== active) session.open(active);

  const unread = session.chat.totalUnread();
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Tidings` : 'Tidings';
  }, [unread]);

  const navigate = (r: Route) => go(hrefOf(r).slice(1));

  // Ctrl/Cmd+K: go to a conversation by name (the box is in the lazily loaded chunk)
  const [switching, setSwitching] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSwitching(true);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const panel = route.view !== 'home' && route.view !== 'conversation';
  const panels = usePanels(panel || switching);
  const P = panels && typeof panels !== 'string' ? panels : null;

  return (
    <div class={`shell ${route.view === 'home' ? 'at-list' : 'at-main'}`}>
      <header class="topbar">
        <h1 class="brand-h">
          <a class="brand" href="#">
            Tidings
          </a>
        </h1>
        <span class="me">
          <span class={`dot ${session.online ? 'on' : ''}`} aria-hidden="true" />
          {session.username}
          <span class="sr-only">{session.online ? ' (connected)' : ' (not connected)'}</span>
        </span>
      </header>
      <LinkBanner session={session} />
      {switching && P && <P.Switcher session={session} navigate={navigate} onClose={() => setSwitching(false)} />}
      <div class="columns">
        <Sidebar session={session} route={route} navigate={navigate} />
        <main class="main" id="main">
          {route.view === 'conversation' && <ConversationView key={route.ref} session={session} cref={route.ref} navigate={navigate} />}
          {panel && !P && (
            <p class={typeof panels === 'string' ? 'error pad' : 'muted pad'} role="status">
              {typeof panels === 'string' ? panels : 'Loading…'}
            </p>
          )}
          {P && route.view === 'rooms' && <P.RoomsPanel session={session} navigate={navigate} />}
          {P && route.view === 'people' && <P.PeoplePanel session={session} navigate={navigate} />}
          {P && route.view === 'account' && <P.AccountPanel session={session} />}
          {P && route.view === 'room' && <P.RoomPanel key={route.ref} session={session} name={route.ref} />}
          {P && route.view === 'search' && <P.SearchPanel key={route.q} session={session} q={route.q} />}
          {route.view === 'home' && (
            <section class="empty">
              <h2>Welcome, {session.username}</h2>
              <p>Pick a conversation, join a room or start a direct conversation with someone.</p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
