import { roleRank, type Message } from '@tidings/protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { newMessagesLine } from '../state/chat.js';
import type { OutboxItem } from '../state/outbox.js';
import { errorText } from './errors.js';
import { Reactions } from './Reactions.js';
import { clock, eventText, fullDate, plural } from './format.js';
import { useNow } from './hooks.js';
import { rich } from './rich.js';

/** Consecutive messages of one person within this long share one name, avatar and time. */
const GROUP_MS = 5 * 60_000;
const AVATAR_COLOURS = 8;

/** Up to two letters for a name's avatar: `alice` → A, `bob.smith` → BS. */
export function initials(name: string): string {
  const parts = name.split(/[._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts[1]?.[0] ?? '')).toUpperCase() || '?';
}

/** One of the stylesheet's avatar colours (`.c0`–`.c7`, each ≥ 4.5:1 with white), always the same for a name. */
export function colourOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % AVATAR_COLOURS;
}

/** The day separator's words: "Today", "Yesterday", "Monday 5 December" (with the year when not this year). */
export function dayName(at: number, now: number): string {
  const d = new Date(at);
  const today = new Date(now);
  const days = Math.round((new Date(today.toDateString()).getTime() - new Date(d.toDateString()).getTime()) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', ...(d.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' }) });
}

// a callback ref with one identity: focuses its element once, when it appears
const focusOnMount = (el: HTMLElement | null) => el?.focus();

/** Letter keys on a focused message and the action each presses. */
const KEY_ACTIONS: Record<string, string> = { r: 'reply', e: 'edit', l: 'react', '+': 'react', Delete: 'delete', Backspace: 'delete' };

/**
 * The messages of one conversation, oldest at the top; older pages load as you scroll up (or
 * with the button at the top); unsent ones from the outbox come last, with their state.
 *
 * Consecutive messages of one person are one group (name, avatar, time once); a day starts
 * with its date. Each message's actions (react, reply, edit, delete) and time appear on hover,
 * focus or a long press. The list is one Tab stop: ↑/↓ (Home/End) move between messages,
 * Enter or → goes into a message's links and actions (←/→ among them, Esc back), and
 * R, E, L/+, Delete act on the focused message.
 */
export function MessageList({
  session,
  cref,
  editing,
  setEditing,
  onReply,
}: {
  session: ChatSession;
  cref: string;
  editing: number | null;
  setEditing: (s: number | null) => void;
  onReply: (m: Message) => void;
}) {
  const now = useNow();
  const chat = session.chat;
  const conv = chat.get(cref);
  const messages = conv ? conv.log.messages() : [];
  const pending = session.outbox.forConversation(cref);
  const line = newMessagesLine(messages, chat.marker?.ref === cref ? chat.marker.seq : null, session.username);
  const older = session.hasOlder(cref);
  const loading = session.loadingOlder.has(cref);
  const historyError = session.historyError.get(cref);
  // moderators and the owner may remove anyone's message in their room
  const moderator = roleRank(session.rooms.get(cref)?.role) > 1;
  const [confirming, setConfirming] = useState<number | null>(null);
  /** The message whose reaction picker is open. */
  const [picking, setPicking] = useState<number | null>(null);
  const [failure, setFailure] = useState<{ s: number; text: string } | null>(null);
  // the roving Tab stop (`s<seq>` or `p<outbox id>`); the newest message when unset or gone
  const [current, setCurrent] = useState<string | null>(null);
  // the message a long press opened the actions of
  const [pressed, setPressed] = useState<number | null>(null);
  const press = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // the last message the reader had seen when they scrolled up, while they are up there
  const [away, setAway] = useState<number | null>(null);
  const lastSeq = messages.at(-1)?.s ?? 0;
  const fresh = away === null ? 0 : messages.filter((m) => m.s > away && !m.ev && m.u !== session.username).length;

  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const place = useRef({ placed: false, first: 0, height: 0, stick: true });

  // Keep the view where the reader expects it: at the "new messages" line or the bottom when a
  // conversation opens, still when an older page is added above, following new messages only
  // when the reader is at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const p = place.current;
    const first = messages[0]?.s ?? 0;
    if (!p.placed && messages.length > 0) {
      const mark = el.querySelector('.new-line');
      if (mark) {
        el.scrollTop = Math.max(0, (mark as HTMLElement).offsetTop - 40);
        p.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        if (!p.stick && line !== null) setAway(line - 1);
      } else el.scrollTop = el.scrollHeight;
      p.placed = true;
    } else if (p.first !== 0 && first < p.first) el.scrollTop += el.scrollHeight - p.height;
    else if (p.stick) el.scrollTop = el.scrollHeight;
    p.first = first;
    p.height = el.scrollHeight;
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const p = place.current;
    const was = p.stick;
    p.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (p.stick !== was) setAway(p.stick ? null : lastSeq);
    if (el.scrollTop < 150 && older && !loading) void session.loadOlder(cref);
  };

  const act = async (s: number, run: () => Promise<void>) => {
    setFailure(null);
    try {
      await run();
      return true;
    } catch (err) {
      setFailure({ s, text: errorText(err, { notFound: 'That message is gone.' }) });
      return false;
    }
  };

  const keys = [...messages.filter((m) => !m.ev).map((m) => `s${m.s}`), ...pending.map((i) => `p${i.id}`)];
  const stop = current !== null && keys.includes(current) ? current : keys.at(-1);

  const onKeyDown = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement;
    if (e.defaultPrevented || e.isComposing || t.closest('form')) return;
    const li = t.closest<HTMLElement>('.log > .msg');
    if (!li) return;
    const items = [...list.current!.querySelectorAll<HTMLElement>(':scope > .msg')];
    const i = items.indexOf(li);
    const controls = [...li.querySelectorAll<HTMLElement>('a[href], button:not(:disabled)')];
    const j = controls.indexOf(t);
    const go = (el: HTMLElement | undefined) => {
      e.preventDefault();
      el?.focus();
    };
    const k = e.key;
    if (k === 'ArrowUp') {
      if (i === 0 && older && !loading) void session.loadOlder(cref);
      go(items[i - 1]);
    } else if (k === 'ArrowDown') go(items[i + 1]);
    else if (k === 'Home') go(items[0]);
    else if (k === 'End') go(items.at(-1));
    else if (k === 'Escape' && t !== li) {
      e.stopPropagation();
      go(li);
    } else if (t !== li) {
      if (k === 'ArrowRight' || k === 'ArrowLeft') go(controls[(j + (k === 'ArrowRight' ? 1 : controls.length - 1)) % controls.length]);
    } else if (k === 'Enter' || k === 'ArrowRight') go(controls.find((c) => c.closest('.actions')) ?? controls[0]);
    else if (KEY_ACTIONS[k] && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const button = li.querySelector<HTMLButtonElement>(`.actions .${KEY_ACTIONS[k]}`);
      if (button && !button.disabled) {
        go(button);
        button.click();
      }
    }
  };

  // a long press (touch or pen) opens a message's actions, as hovering does with a mouse
  const onPointerDown = (e: PointerEvent) => {
    clearTimeout(press.current);
    const li = (e.target as HTMLElement).closest<HTMLElement>('.msg[data-s]');
    if (e.pointerType === 'mouse' || !li) return;
    press.current = setTimeout(() => {
      setPressed(Number(li.dataset['s']));
      li.focus();
    }, 450);
  };
  const endPress = () => clearTimeout(press.current);

  let previous: Message | undefined;
  let day = '';
  return (
    <div class="messages" ref={scroller} onScroll={onScroll}>
      {older && (
        <p class="older">
          <button type="button" class="quiet" onClick={() => void session.loadOlder(cref)} disabled={loading || !session.online}>
            {loading ? 'Loading older messages…' : 'Load older messages'}
          </button>
        </p>
      )}
      {!older && messages.length > 0 && <p class="muted start">This is the start of the conversation.</p>}
      {historyError && (
        <p class="error pad" role="alert">
          {historyError}
        </p>
      )}
      {messages.length === 0 && pending.length === 0 && !historyError && (
        <p class="muted start">{session.online ? (conv?.fresh ? 'No messages yet. Say hello!' : 'Loading…') : 'Nothing here yet (offline).'}</p>
      )}
      <ol
        class="log"
        ref={list}
        aria-label="Messages"
        aria-describedby="msg-keys"
        aria-live="polite"
        aria-relevant="additions"
        onKeyDown={onKeyDown}
        onFocusIn={(e) => {
          const k = (e.target as HTMLElement).closest<HTMLElement>('.log > .msg')?.dataset['k'];
          if (k && k !== current) setCurrent(k);
        }}
        onFocusOut={() => setPressed(null)}
        onPointerDown={onPointerDown}
        onPointerUp={endPress}
        onPointerCancel={endPress}
        onPointerLeave={endPress}
      >
        {messages.map((m) => {
          const date = new Date(m.at).toDateString();
          const separator = date !== day && (
            <li key={`d${m.s}`} class="day">
              <span>{dayName(m.at, now)}</span>
            </li>
          );
          if (date !== day) previous = undefined;
          day = date;
          // a function: one element cannot stand in two places of the tree
          const time = () => (
            <time dateTime={new Date(m.at).toISOString()} title={fullDate(m.at)}>
              {clock(m.at, now)}
            </time>
          );
          if (m.ev) {
            previous = undefined;
            return [
              separator,
              <li key={m.s} class="event" data-s={m.s}>
                {eventText(m.u, m.ev, now)}
                {time()}
              </li>,
            ];
          }
          const own = m.u === session.username;
          const first = !(previous !== undefined && previous.u === m.u && m.at - previous.at < GROUP_MS && m.s !== line && !previous.del);
          previous = m;
          const written = own ? session.written.get(`${cref} ${m.s}`) : undefined;
          const reacted = (m.rx !== undefined && Object.keys(m.rx).length > 0) || picking === m.s;
          return [
            separator,
            m.s === line && (
              <li key="new-line" class="new-line" role="separator">
                <span>New messages</span>
              </li>
            ),
            <li
              key={m.s}
              class={`msg${own ? ' own' : ''}${first ? ' first' : ' grouped'}${m.del ? ' deleted' : ''}${pressed === m.s ? ' open' : ''}`}
              data-s={m.s}
              data-k={`s${m.s}`}
              data-state="sent"
              tabIndex={stop === `s${m.s}` ? 0 : -1}
            >
              {first && (
                <p class="author">
                  {!own && (
                    <span class={`avatar c${colourOf(m.u)}`} aria-hidden="true">
                      {initials(m.u)}
                    </span>
                  )}
                  <span class="name">{own ? 'You' : m.u}</span> {time()}
                </p>
              )}
              <div class="body">
                <div class="bubble">
                  {editing === m.s ? (
                    <EditForm
                      initial={m.x}
                      onCancel={() => setEditing(null)}
                      onSave={async (text) => {
                        if (await act(m.s, () => session.edit(cref, m.s, text))) setEditing(null);
                      }}
                    />
                  ) : (
                    <div class="text" dir="auto">
                      {m.rb ? 'Removed by a moderator.' : m.del ? 'This message was deleted.' : rich(m.x, session.username)}
                    </div>
                  )}
                  {((m.ed !== undefined && !m.del) || written !== undefined || (reacted && !m.del) || confirming === m.s) && (
                    <div class="foot">
                      {m.ed !== undefined && !m.del && <span class="edited">edited</span>}
                      {written !== undefined && !m.del && (
                        <span class="status late">
                          written {clock(written, now)}, delivered {clock(m.at, now)}
                        </span>
                      )}
                      {reacted && !m.del && (
                        <Reactions session={session} cref={cref} m={m} act={act} picking={picking === m.s} onPicking={(on) => setPicking(on ? m.s : null)} />
                      )}
                      {confirming === m.s && (
                        <span class="mine">
                          <button
                            type="button"
                            class="danger"
                            ref={focusOnMount}
                            onClick={async () => {
                              await act(m.s, () => session.remove(cref, m.s));
                              setConfirming(null);
                            }}
                          >
                            Delete it
                          </button>
                          <button type="button" class="quiet" onClick={() => setConfirming(null)}>
                            Keep
                          </button>
                        </span>
                      )}
                    </div>
                  )}
                </div>
                {!m.del && editing !== m.s && (
                  <div class="actions" role="toolbar" aria-label="Message actions">
                    {time()}
                    <button
                      type="button"
                      class="react"
                      tabIndex={-1}
                      aria-expanded={picking === m.s}
                      title="React (L)"
                      disabled={!session.online}
                      onClick={() => setPicking(picking === m.s ? null : m.s)}
                    >
                      <span aria-hidden="true">☺</span>
                      <span class="sr-only">React</span>
                    </button>
                    <button type="button" class="reply" tabIndex={-1} title="Reply (R)" onClick={() => onReply(m)}>
                      Reply
                    </button>
                    {own && (
                      <button type="button" class="edit" tabIndex={-1} title="Edit (E)" disabled={!session.online} onClick={() => setEditing(m.s)}>
                        Edit
                      </button>
                    )}
                    {(own || moderator) && (
                      <button type="button" class="delete" tabIndex={-1} title="Delete (Del)" disabled={!session.online} onClick={() => setConfirming(m.s)}>
                        Delete
                      </button>
                    )}
                  </div>
                )}
              </div>
              {failure?.s === m.s && (
                <p class="error" role="alert">
                  {failure.text}
                </p>
              )}
            </li>,
          ];
        })}
        {pending.map((item) => (
          <PendingItem key={item.id} item={item} session={session} stop={stop === `p${item.id}`} />
        ))}
      </ol>
      <p id="msg-keys" class="sr-only">
        Arrow keys move between messages; Enter opens a message&apos;s actions; R replies, E edits, L reacts, Delete deletes; Escape goes to the newest.
      </p>
      {fresh > 0 && (
        <button type="button" class="jump primary" onClick={() => scroller.current?.scrollTo({ top: scroller.current.scrollHeight })}>
          {plural(fresh, 'new message')} — jump
        </button>
      )}
    </div>
  );
}

/** How long a message may be on its way before it says "not confirmed yet". */
const UNCONFIRMED_AFTER_MS = 5000;

function PendingItem({ item, session, stop }: { item: OutboxItem; session: ChatSession; stop: boolean }) {
  const now = useNow(1000);
  const failed = item.status === 'failed';
  const state = failed ? 'failed' : item.status === 'sending' ? 'sending' : 'pending';
  const waitSecs = item.retryAt === undefined ? 0 : Math.ceil((item.retryAt - now) / 1000);
  // Never "failed" for a bad link: a message on its way stays pending, saying what happens next.
  const words = failed
    ? `Not sent: ${item.error ?? 'refused'}`
    : item.status === 'sending'
      ? !session.online
        ? 'Not confirmed yet — sent again when the connection returns'
        : now - (item.sentAt ?? now) > UNCONFIRMED_AFTER_MS
          ? 'Sending… not confirmed yet'
          : 'Sending…'
      : !session.online
        ? 'Waiting for the connection…'
        : waitSecs > 0
          ? `Waiting to send: next try in ${waitSecs} s`
          : 'Waiting to send…';
  const discard = () => {
    if (item.status === 'sending' && !confirm('Stop sending this message? A copy may already have reached the server, so it may still arrive.')) return;
    session.discard(item.id);
  };
  return (
    <li class={`msg own outgoing ${state}`} data-state={state} data-id={item.id} data-k={`p${item.id}`} tabIndex={stop ? 0 : -1}>
      <div class="bubble">
        <div class="text" dir="auto">
          {rich(item.x, session.username)}
        </div>
        <div class="foot">
          <span class="status">{words}</span>
          <span class="mine">
            {failed && (
              <button type="button" class="quiet" tabIndex={-1} onClick={() => session.retry(item.id)}>
                Retry
              </button>
            )}
            <button type="button" class="quiet" tabIndex={-1} onClick={discard}>
              Discard
            </button>
          </span>
        </div>
      </div>
    </li>
  );
}

function EditForm({ initial, onSave, onCancel }: { initial: string; onSave: (text: string) => Promise<void>; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
  }, []);
  return (
    <form
      class="edit"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        await onSave(text);
        setBusy(false);
      }}
    >
      <label class="sr-only" for="edit-text">
        Edit your message
      </label>
      <textarea
        id="edit-text"
        dir="auto"
        ref={area}
        value={text}
        rows={Math.min(6, text.split('\n').length)}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          }
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            e.currentTarget.form?.requestSubmit();
          }
        }}
      />
      <span class="mine">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" class="quiet" onClick={onCancel}>
          Cancel
        </button>
      </span>
    </form>
  );
}
