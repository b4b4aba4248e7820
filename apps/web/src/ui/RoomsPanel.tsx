import type { ResultOf } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import type { Route } from './ChatScreen.js';
import { errorText } from './errors.js';
import { Field } from './Field.js';
import { plural } from './format.js';

type Room = ResultOf<'room.list'>['rooms'][number];

export function RoomsPanel({ session, navigate }: { session: ChatSession; navigate: (r: Route) => void }) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [priv, setPriv] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const [joinError, setJoinError] = useState<{ room: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const online = session.online;

  useEffect(() => {
    if (!online) return;
    session
      .listRooms()
      .then((r) => {
        setRooms(r.rooms);
        setListError(null);
      })
      .catch((err) => setListError(errorText(err)));
  }, [session, online]);

  const enter = async (room: string, create: boolean) => {
    setBusy(true);
    setNameError(null);
    setJoinError(null);
    try {
      const joined = await session.enterRoom(room, create, create ? { private: priv, topic } : {});
      navigate({ view: 'conversation', ref: joined });
    } catch (err) {
      const text = errorText(err, { conflict: 'A room with that name exists already: join it below.', notFound: 'There is no such room.' });
      if (create) setNameError(text);
      else setJoinError({ room, text });
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="rooms-title">
      <header class="panel-head">
        <a class="back" href="#" aria-label="Back to conversations">
          ‹
        </a>
        <h2 id="rooms-title">Rooms</h2>
      </header>
      <form
        class="card inline"
        onSubmit={(e) => {
          e.preventDefault();
          void enter(name, true);
        }}
      >
        <Field id="room-name" label="New room" value={name} onValue={setName} error={nameError} hint="2–32 characters: a-z, 0-9, _ and -" />
        <Field id="room-topic" label="Topic (optional)" value={topic} onValue={setTopic} hint="What the room is about" />
        <label class="check">
          <input type="checkbox" checked={priv} onChange={(e) => setPriv(e.currentTarget.checked)} />
          Private: invite only
        </label>
        <button type="submit" class="primary" disabled={busy || !online}>
          Create room
        </button>
      </form>
      {!online && <p class="muted pad">The list of rooms needs a connection.</p>}
      {listError && (
        <p class="error pad" role="alert">
          {listError}
        </p>
      )}
      {rooms && (
        <ul class="rows">
          {rooms.map((r) => (
            <li key={r.name} class="row">
              <span class="row-main">
                <strong>
                  {r.private && <span aria-label="Private room">🔒 </span>}#{r.name}
                </strong>
                {r.topic && <span class="topic">{r.topic}</span>}
                <span class="muted">
                  {plural(r.members, 'member')} · {plural(r.lastSeq, 'message')}
                </span>
              </span>
              {r.joined ? (
                <a class="button" href={`#/c/${r.name}`}>
                  Open
                </a>
              ) : (
                <button type="button" onClick={() => void enter(r.name, false)} disabled={busy || !online} aria-label={`Join #${r.name}`}>
                  Join
                </button>
              )}
              {joinError?.room === r.name && (
                <p class="error" role="alert">
                  {joinError.text}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
