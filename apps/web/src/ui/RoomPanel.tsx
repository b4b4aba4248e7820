import { roleRank, type ResultOf, type Role } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { ChatSession, RoomAction } from '../app/session.js';
import { errorText } from './errors.js';
import { Field } from './Field.js';
import { clock, plural } from './format.js';

type Member = ResultOf<'room.members'>['members'][number];

const ROLE_NAMES: Record<Role, string> = { owner: 'Owner', mod: 'Moderator', member: 'Member' };
const YOU: Record<Role, string> = { owner: 'the owner', mod: 'a moderator', member: 'a member' };
const MUTES: [string, number][] = [
  ['10 min', 600],
  ['1 h', 3600],
  ['1 day', 86_400],
];

/**
 * A room's members and settings (`#/room/<name>`): the members with their roles; for moderators
 * the actions on each member of a lower role (mute, kick, ban; for the owner also moderator or
 * not, and handing the room over), the bans with Unban, inviting someone and the topic.
 */
export function RoomPanel({ session, name }: { session: ChatSession; name: string }) {
  const info = session.rooms.get(name);
  const events = session.roomEvents.get(name) ?? 0;
  const online = session.online;
  const [members, setMembers] = useState<Member[] | null>(null);
  const [bans, setBans] = useState<Member[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [invitee, setInvitee] = useState('');
  const [topic, setTopic] = useState<string | null>(null);
  const mine = roleRank(info?.role);
  const mod = mine >= roleRank('mod');

  useEffect(() => {
    if (!online) return;
    void session.loadRoom(name);
  }, [session, name, online]);

  useEffect(() => {
    if (!online) return;
    session.members(name).then(setMembers, (err) => setError(errorText(err, { notFound: `There is no room #${name}.` })));
    if (mod) session.members(name, true).then(setBans, () => setBans([]));
  }, [session, name, online, events, mod]);

  const run = async (job: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await job();
      setMembers(await session.members(name));
      if (mod) setBans(await session.members(name, true));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const act = (action: RoomAction, u: string, extra?: { seconds?: number; role?: Role }) => run(() => session.moderate(action, name, u, extra));
  const now = Date.now();

  return (
    <section class="panel" aria-labelledby="room-title">
      <header class="panel-head">
        <a class="back" href={`#/c/${name}`} aria-label={`Back to #${name}`}>
          ‹
        </a>
        <h2 id="room-title">
          {info?.private && <span aria-label="Private room">🔒 </span>}#{name}
        </h2>
        <a class="button quiet" href={`#/c/${name}`}>
          Open
        </a>
      </header>
      {info && (
        <p class="pad muted">
          {info.private ? 'Private: invite only' : 'Public'} · {plural(info.members, 'member')}
          {info.role ? ` · you are ${YOU[info.role]}` : ''}
        </p>
      )}
      {!online && <p class="muted pad">The members need a connection.</p>}
      {error && (
        <p class="error pad" role="alert">
          {error}
        </p>
      )}
      {mod && (
        <form
          class="card inline"
          onSubmit={(e) => {
            e.preventDefault();
            const text = topic ?? info?.topic ?? '';
            void run(() => session.setTopic(name, text));
          }}
        >
          <Field id="room-topic-edit" label="Topic" value={topic ?? info?.topic ?? ''} onValue={setTopic} hint="Empty: no topic" />
          <button type="submit" disabled={busy || !online}>
            Save topic
          </button>
        </form>
      )}
      {mod && (
        <form
          class="card inline"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await session.moderate('room.invite', name, invitee.trim().replace(/^@/, ''));
              setInvitee('');
            });
          }}
        >
          <Field id="invitee" label="Add someone" value={invitee} onValue={setInvitee} hint="Their username" />
          <button type="submit" disabled={busy || !online || invitee.trim() === ''}>
            Add
          </button>
        </form>
      )}
      {members && (
        <ul class="rows" aria-label="Members">
          {members.map((m) => {
            const role = m.role ?? 'member';
            const can = mod && m.u !== session.username && mine > roleRank(role);
            const muted = m.mutedUntil !== undefined && m.mutedUntil > now;
            return (
              <li key={m.u} class="row" data-user={m.u}>
                <span class="row-main">
                  <strong>{m.u}</strong>
                  <span class="muted">
                    {ROLE_NAMES[role]}
                    {muted && ` · muted until ${clock(m.mutedUntil!, now)}`}
                  </span>
                </span>
                {can && (
                  <span class="mine">
                    {muted ? (
                      <button type="button" disabled={busy} onClick={() => void act('room.mute', m.u, { seconds: 0 })}>
                        Unmute
                      </button>
                    ) : (
                      MUTES.map(([label, seconds]) => (
                        <button
                          key={label}
                          type="button"
                          disabled={busy}
                          aria-label={`Mute ${m.u} for ${label}`}
                          onClick={() => void act('room.mute', m.u, { seconds })}
                        >
                          Mute {label}
                        </button>
                      ))
                    )}
                    <button type="button" disabled={busy} aria-label={`Kick ${m.u}`} onClick={() => void act('room.kick', m.u)}>
                      Kick
                    </button>
                    <button type="button" class="danger" disabled={busy} aria-label={`Ban ${m.u}`} onClick={() => void act('room.ban', m.u)}>
                      Ban
                    </button>
                    {info?.role === 'owner' && (
                      <>
                        <button type="button" disabled={busy} onClick={() => void act('room.role', m.u, { role: role === 'mod' ? 'member' : 'mod' })}>
                          {role === 'mod' ? 'Remove moderator' : 'Make moderator'}
                        </button>
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => {
                            if (confirm(`Hand #${name} over to ${m.u}? They will own it and you will be a moderator.`))
                              void act('room.role', m.u, { role: 'owner' });
                          }}
                        >
                          Hand over
                        </button>
                      </>
                    )}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {mod && bans.length > 0 && (
        <>
          <h3 class="pad">Banned</h3>
          <ul class="rows" aria-label="Banned">
            {bans.map((b) => (
              <li key={b.u} class="row" data-user={b.u}>
                <span class="row-main">
                  <strong>{b.u}</strong>
                  {b.by && <span class="muted">banned by {b.by}</span>}
                </span>
                <button type="button" disabled={busy} aria-label={`Unban ${b.u}`} onClick={() => void act('room.unban', b.u)}>
                  Unban
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
