import type { ChatSession } from '../app/session.js';
import { plural } from './format.js';
import { useNow } from './hooks.js';

/** Says, in words, when the link is down and what happens to what you write meanwhile. */
export function LinkBanner({ session }: { session: ChatSession }) {
  const link = session.link;
  const now = useNow(1000);
  if (link.state === 'online') return null;
  const waiting = session.outbox.list().filter((i) => i.status !== 'failed').length;
  const kept = waiting > 0 ? `${plural(waiting, 'message')} will be sent when the connection returns.` : 'What you write will be sent when the connection returns.';
  if (link.state === 'connecting')
    return (
      <div class="banner connecting" role="status">
        Connecting… {waiting > 0 && kept}
      </div>
    );
  const secs = link.retryAt === null ? null : Math.max(0, Math.ceil((link.retryAt - now) / 1000));
  const when = link.retryAt === null ? 'Waiting for a network.' : secs !== null && secs > 0 ? `Trying again in ${secs} s.` : 'Trying again…';
  return (
    <div class="banner offline" role="status">
      <span>
        <strong>You are offline.</strong> {kept} {when}
      </span>
      <button type="button" class="link" onClick={() => session.reconnectNow()}>
        Retry now
      </button>
    </div>
  );
}
