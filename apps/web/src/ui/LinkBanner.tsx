import { useEffect, useState } from 'preact/hooks';
import type { ChatSession, Link } from '../app/session.js';
import { plural } from './format.js';
import { useNow } from './hooks.js';

/** Says, in words, when the link is down and what happens to what you write meanwhile. */
export function LinkBanner({ session }: { session: ChatSession }) {
  const link = session.link;
  if (link.state === 'online') return null;
  const waiting = session.outbox.list().filter((i) => i.status !== 'failed').length;
  const kept =
    waiting > 0 ? `${plural(waiting, 'message')} will be sent when the connection returns.` : 'What you write will be sent when the connection returns.';
  if (link.state === 'connecting') return <Connecting kept={waiting > 0 ? kept : ''} waiting={waiting} />;
  return <Offline link={link} kept={kept} waiting={waiting} retry={() => session.reconnectNow()} />;
}

/** A connection attempt that takes a moment is normal: say so only when it takes a while. */
function Connecting({ kept, waiting }: { kept: string; waiting: number }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setShown(true), 1500);
    return () => clearTimeout(timer);
  }, []);
  if (!shown && !kept) return null;
  return (
    <div class="banner connecting" role="status">
      <span class="long">Connecting… {kept}</span>
      <span class="short">Connecting…{waiting > 0 && ` · ${waiting} to send`}</span>
    </div>
  );
}

/** Offline: a sentence on a wide screen, one short line on a phone (the stylesheet shows one of the two). */
function Offline({ link, kept, waiting, retry }: { link: Extract<Link, { state: 'offline' }>; kept: string; waiting: number; retry: () => void }) {
  const now = useNow(1000);
  const secs = link.retryAt === null ? null : Math.max(0, Math.ceil((link.retryAt - now) / 1000));
  const when = link.retryAt === null ? 'Waiting for a network.' : secs !== null && secs > 0 ? `Trying again in ${secs} s.` : 'Trying again…';
  return (
    <div class="banner offline" role="status">
      <span class="long">
        <strong>You are offline.</strong> {kept} {when}
      </span>
      <span class="short">
        <strong>Offline</strong>
        {waiting > 0 && ` · ${waiting} to send`} · {link.retryAt === null ? 'no network' : secs ? `retry in ${secs} s` : 'retrying…'}
      </span>
      <button type="button" class="link" onClick={retry}>
        Retry now
      </button>
    </div>
  );
}
