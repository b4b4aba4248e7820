import { roleRank, type Message } from '@tidings/protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { newMessagesLine } from '../state/chat.js';
import type { OutboxItem } from '../state/outbox.js';
import { errorText } from './errors.js';
import { Reactions } from './Reactions.js';
import { clock, eventText, fullDate } from './format.js';
import { useNow } from './hooks.js';
import { rich } from './rich.js';

/** Consecutive messages of one person within this long share one name line. */
const GROUP_MS = 5 * 60_000;

/**
 * The messages of one conversation, oldest at the top; older pages load as you scroll up (or
 * with the button at the top); unsent ones from the outbox come last, with their state.
 */
export function MessageList({ session, cref }: { session: ChatSession; cref: string }) {
  const now = useNow();
  const chat = session.chat;
  const conv = chat.get(cref);
  const messages = conv ? conv.log.messages() : [];
  const pending = session.outbox.forConversation(cref);
  const line = newMessagesLine(messages, chat.marker?.ref === cref ? chat.marker.seq : null, session.username);
  const older = session.hasOlder(cref);
  const loading = session.loadingOlder.has(cref);
  const historyError = session.historyError.get(cref);
  const [editing, setEditing] = useState<number | null>(null);
  // moderators and the owner may remove anyone's message in their room
  const moderator = roleRank(session.rooms.get(cref)?.role) > 1;
  const [confirming, setConfirming] = useState<number | null>(null);
  const [failure, setFailure] = useState<{ s: number; text: string } | null>(null);

  const scroller = useRef<HTMLDivElement>(null);
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
        p.stick = false;
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
    place.current.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
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

  let previous: Message | undefined;
  return (
    <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Messages">
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
      <ol class="log" aria-live="polite" aria-relevant="additions">
        {messages.map((m) => {
          if (m.ev) {
            previous = undefined;
            return (
              <li key={m.s} class="event" data-s={m.s}>
                {eventText(m.u, m.ev, now)}
                <time dateTime={new Date(m.at).toISOString()} title={fullDate(m.at)}>
                  {clock(m.at, now)}
                </time>
              </li>
            );
          }
          const own = m.u === session.username;
          const grouped = previous !== undefined && previous.u === m.u && m.at - previous.at < GROUP_MS && m.s !== line && !previous.del;
          previous = m;
          return [
            m.s === line && (
              <li key="new-line" class="new-line" role="separator">
                <span>New messages</span>
              </li>
            ),
            <li key={m.s} class={`msg ${own ? 'own' : ''} ${grouped ? 'grouped' : ''} ${m.del ? 'deleted' : ''}`} data-s={m.s} data-state="sent">
              {!grouped && <p class="author">{own ? 'You' : m.u}</p>}
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
                <div class="foot">
                  <time dateTime={new Date(m.at).toISOString()} title={fullDate(m.at)}>
                    {clock(m.at, now)}
                  </time>
                  {m.ed !== undefined && !m.del && <span class="edited">edited</span>}
                  {own && !m.del && (
                    <span class="status" title="Delivered to the server">
                      ✓ Sent
                    </span>
                  )}
                  {!m.del && <Reactions session={session} cref={cref} m={m} act={act} />}
                  {(own || moderator) && !m.del && editing !== m.s && (
                    <span class="mine">
                      {own && (
                        <button type="button" class="quiet" disabled={!session.online} onClick={() => setEditing(m.s)}>
                          Edit
                        </button>
                      )}
                      {confirming === m.s ? (
                        <>
                          <button
                            type="button"
                            class="danger"
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
                        </>
                      ) : (
                        <button type="button" class="quiet" disabled={!session.online} onClick={() => setConfirming(m.s)}>
                          Delete
                        </button>
                      )}
                    </span>
                  )}
                </div>
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
          <PendingItem key={item.id} item={item} session={session} />
        ))}
      </ol>
    </div>
  );
}

/** How long a message may be on its way before it says "not confirmed yet". */
const UNCONFIRMED_AFTER_MS = 5000;

function PendingItem({ item, session }: { item: OutboxItem; session: ChatSession }) {
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
    <li class={`msg own outgoing ${state}`} data-state={state} data-id={item.id}>
      <div class="bubble">
        <div class="text" dir="auto">
          {rich(item.x, session.username)}
        </div>
        <div class="foot">
          <span class="status">{words}</span>
          <span class="mine">
            {failed && (
              <button type="button" class="quiet" onClick={() => session.retry(item.id)}>
                Retry
              </button>
            )}
            <button type="button" class="quiet" onClick={discard}>
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
          if (e.key === 'Escape') onCancel();
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
