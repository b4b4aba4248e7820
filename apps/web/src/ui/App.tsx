import type { IClientOptions } from 'mqtt';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { alertUser } from '../app/notify.js';
import { ChatSession } from '../app/session.js';
import { deviceId, loadSession, saveSession, type SavedSession } from '../state/identity.js';
import type { KeyValue } from '../state/storage.js';
import { AuthScreen } from './AuthScreen.js';
import { ChatScreen } from './ChatScreen.js';
import { useEmitter } from './hooks.js';
import type { Typed } from './static-form.js';

export interface AppProps {
  kv: KeyValue;
  url: string;
  mqtt: IClientOptions;
  /** What was typed into index.html's static sign-in form before the app started. */
  typed?: Typed | null;
}

/** Signed out: the sign-in and sign-up screens. Signed in: the chat, for as long as the session lasts. */
export function App({ kv, url, mqtt, typed: typedInHtml = null }: AppProps) {
  const device = useMemo(() => deviceId(kv), [kv]);
  const make = (saved: SavedSession) => {
    const s = new ChatSession({ url, session: saved, device, kv, mqtt });
    s.onAlert = (ref, from, text) => alertUser(kv, s.username, ref, from, text);
    return s;
  };
  const [session, setSession] = useState<ChatSession | null>(() => {
    const saved = loadSession(kv, Date.now());
    return saved ? make(saved) : null;
  });
  const [notice, setNotice] = useState<string | null>(null);
  // used by the first sign-in screen only: a password must not come back after signing out
  const [typed, setTyped] = useState(typedInHtml);

  if (!session)
    return (
      <AuthScreen
        target={{ url, mqtt }}
        device={device}
        notice={notice}
        initial={typed}
        onSignedIn={(saved) => {
          setTyped(null);
          saveSession(kv, saved);
          setNotice(null);
          setSession(make(saved));
        }}
      />
    );
  return (
    <SignedIn
      key={session.username}
      session={session}
      onEnded={(reason) => {
        setNotice(reason);
        setSession(null);
      }}
    />
  );
}

function SignedIn({ session, onEnded }: { session: ChatSession; onEnded: (reason: string | null) => void }) {
  useEmitter(session.changes);

  useEffect(() => {
    session.start();
    const online = () => session.reconnectNow();
    const offline = () => session.networkLost();
    const visibility = () => {
      session.setVisible(document.visibilityState === 'visible');
      if (document.visibilityState === 'hidden') session.persist();
    };
    const leaving = () => session.persist();
    visibility();
    addEventListener('pagehide', leaving);
    addEventListener('online', online);
    addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visibility);
    return () => {
      removeEventListener('pagehide', leaving);
      removeEventListener('online', online);
      removeEventListener('offline', offline);
      document.removeEventListener('visibilitychange', visibility);
      void session.stop();
    };
  }, [session]);

  useEffect(() => {
    if (session.ended) onEnded(session.ended === 'signed out' ? null : session.ended);
  });

  if (session.ended) return null;
  return <ChatScreen session={session} />;
}
