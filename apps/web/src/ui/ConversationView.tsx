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
    <section class="conversation" aria-labelledby="conv-title">
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
      <MessageList session={session} cref={cref} />
      <p class="typing" aria-live="polite">
        {typing.length === 0 ? '' : typing.length === 1 ? `${typing[0]} is typing…` : `${typing.join(', ')} are typing…`}
      </p>
      {peer || conv?.member ? (
        <Composer key={cref} session={session} cref={cref} />
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
