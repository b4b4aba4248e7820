import type { Message } from '@tidings/protocol';
import { useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { peerOf } from '../state/chat.js';
import type { Route } from './ChatScreen.js';
import { Composer } from './Composer.js';
import { errorText } from './errors.js';
import { ago, title } from './format.js';
import { useNow } from './hooks.js';
import { MessageList } from './MessageList.js';

export function ConversationView({ session, cref, navigate }: { session: ChatSession; cref: string; navigate: (r: Route) => void }) {
  const now = useNow();
  const [leaveError, setLeaveError] = useState<string | null>(null);
  const peer = peerOf(cref);
  const presence = peer ? session.chat.presence.get(peer) : undefined;
  const conv = session.chat.get(cref);
  const typing = session.chat.typingIn(cref);
  const room = peer ? undefined : session.rooms.get(cref);
  // the message being edited (from its actions, or ↑ in an empty composer)
  const [editing, setEditing] = useState<number | null>(null);
  // text a reply puts into the composer (n: a new one each time)
  const [quote, setQuote] = useState<{ text: string; n: number } | null>(null);

  const editLast = () => {
    const mine = conv?.log.messages().findLast((m) => m.u === session.username && !m.del && !m.ev);
    if (!mine || !session.online) return false;
    setEditing(mine.s);
    return true;
  };

  const endEdit = (s: number | null) => {
    setEditing(s);
    // back to the composer, unless the focus went somewhere on purpose
    if (s === null) setTimeout(() => document.activeElement === document.body && document.getElementById('composer')?.focus());
  };

  const leave = async () => {
    setLeaveError(null);
    try {
      await session.leaveRoom(cref);
      navigate({ view: 'home' });
    } catch (err) {
      setLeaveError(errorText(err));
    }
  };

  const join = () => {
    setLeaveError(null);
    session.enterRoom(cref, false).catch((err) => setLeaveError(errorText(err, { notFound: `There is no room #${cref}.` })));
  };

  return (
    <section
      class="conversation"
      aria-labelledby="conv-title"
      onKeyDown={(e) => {
        // Esc: to the newest message and the composer (after what handles Esc itself)
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        const list = e.currentTarget.querySelector('.messages');
        list?.scrollTo({ top: list.scrollHeight });
        document.getElementById('composer')?.focus();
      }}
    >
      <header class="conv-head">
        <a class="back" href="#" aria-label="Back to conversations">
          ‹
        </a>
        <div class="conv-title">
          <h2 id="conv-title">
            {room?.private && (
              <span class="lock" role="img" aria-label="Private room" title="Private: invite only">
                🔒{' '}
              </span>
            )}
            {title(cref)}
          </h2>
          {room?.topic && (
            <p class="topic" title={room.topic}>
              {room.topic}
            </p>
          )}
          {peer && (
            <p class="presence">
              <span class={`dot ${presence?.on ? 'on' : ''}`} aria-hidden="true" />
              {presence ? (presence.on ? 'online' : `last seen ${ago(presence.at, now)}`) : 'offline'}
            </p>
          )}
        </div>
        {!peer && conv?.member && (
          <a class="button quiet" href={`#/room/${cref}`}>
            Members
          </a>
        )}
        {!peer && conv?.member && (
          <button type="button" class="quiet" onClick={leave} disabled={!session.online}>
            Leave
          </button>
        )}
      </header>
      {leaveError && (
        <p class="error pad" role="alert">
          {leaveError}
        </p>
      )}
      <MessageList
        session={session}
        cref={cref}
        editing={editing}
        setEditing={endEdit}
        onReply={(m) => setQuote({ text: replyText(m, session.username), n: (quote?.n ?? 0) + 1 })}
      />
      <p class="typing" aria-live="polite">
        {typing.length === 0 ? '' : typing.length === 1 ? `${typing[0]} is typing…` : `${typing.join(', ')} are typing…`}
      </p>
      {peer || conv?.member ? (
        <Composer key={cref} session={session} cref={cref} onEditLast={editLast} quote={quote} />
      ) : (
        <div class="composer join">
          <span>You are not in #{cref}.</span>
          <button type="button" class="primary" disabled={!session.online} onClick={join}>
            Join #{cref}
          </button>
        </div>
      )}
    </section>
  );
}

/** Lines of a message quoted in a reply at most, and characters. */
const QUOTED_LINES = 3;
const QUOTED_CHARS = 200;

/**
 * A reply is a quote: the protocol has no threads, so Reply puts `> ` lines of the message
 * (its own quotes left out, cut to 3 lines and 200 characters) and an @mention of its author
 * into the composer; the markdown subset shows the quote as one.
 */
export function replyText(m: Message, me: string): string {
  let text = m.x
    .split('\n')
    .filter((l) => !/^>( |$)/.test(l) && l.trim() !== '')
    .slice(0, QUOTED_LINES)
    .join('\n');
  if (text.length > QUOTED_CHARS) text = `${text.slice(0, QUOTED_CHARS - 1)}…`;
  const quoted = text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return `${quoted}\n${m.u === me ? '' : `@${m.u} `}`;
}
