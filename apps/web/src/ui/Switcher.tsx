import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import type { Route } from './ChatScreen.js';
import { title } from './format.js';

/** Conversations the switcher offers at most. */
const SHOWN = 8;

/**
 * Ctrl/Cmd+K: a modal box to go to a conversation by typing part of its name. The best match
 * (names that start with what is typed first, then the list's order) is chosen; ↑/↓ choose
 * another, Enter opens it, Esc closes.
 */
export function Switcher({ session, navigate, onClose }: { session: ChatSession; navigate: (r: Route) => void; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);

  const want = q.trim().toLowerCase().replace(/^[#@]/, '');
  const refs = session.chat
    .list()
    .map((c) => c.ref)
    .filter((r) => r.replace(/^@/, '').includes(want))
    .sort((a, b) => Number(!a.replace(/^@/, '').startsWith(want)) - Number(!b.replace(/^@/, '').startsWith(want)))
    .slice(0, SHOWN);
  const chosen = Math.min(sel, refs.length - 1);

  const open = (ref: string | undefined) => {
    if (ref === undefined) return;
    dialog.current?.close();
    navigate({ view: 'conversation', ref });
    setTimeout(() => document.getElementById('composer')?.focus());
  };

  return (
    <dialog
      ref={dialog}
      class="switcher"
      aria-label="Go to a conversation"
      onClose={onClose}
      onClick={(e) => e.target === e.currentTarget && e.currentTarget.close()}
    >
      <input
        role="combobox"
        aria-expanded={refs.length > 0}
        aria-controls={refs.length ? 'switch-list' : undefined}
        aria-activedescendant={chosen >= 0 ? `switch-${chosen}` : undefined}
        aria-label="Go to a conversation"
        placeholder="Go to a conversation…"
        value={q}
        onInput={(e) => {
          setQ(e.currentTarget.value);
          setSel(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            setSel((chosen + (e.key === 'ArrowDown' ? 1 : refs.length - 1)) % Math.max(1, refs.length));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            open(refs[chosen]);
          }
        }}
      />
      {refs.length === 0 && <p class="muted pad">No conversation matches.</p>}
      <ul id="switch-list" role="listbox" aria-label="Conversations" hidden={refs.length === 0}>
        {refs.map((r, i) => {
          const unread = session.chat.unread(r);
          return (
            <li key={r} id={`switch-${i}`} role="option" aria-selected={i === chosen} onClick={() => open(r)}>
              {title(r)}
              {unread > 0 && <span class="badge">{unread}</span>}
            </li>
          );
        })}
      </ul>
    </dialog>
  );
}
