import { passwordProblem, sessionNameProblem } from '@tidings/protocol';
import { SECURITY_QUESTIONS, answerProblem, questionProblem, type ResultOf } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import { FormError, formError } from '../app/auth.js';
import { thisBrowserName } from '../app/device-name.js';
import { notifyKey, notifyOn, notifySupported } from '../app/notify.js';
import type { ChatSession } from '../app/session.js';
import { Field, FormMessage } from './Field.js';
import { errorText } from './errors.js';
import { ago, fullDate, plural } from './format.js';
import { useNow } from './hooks.js';

/** How long the current password, once given on this page, is kept (in memory only) for its other forms. */
export const PASSWORD_KEPT_MS = 5 * 60_000;

/**
 * The current password, asked once: the first form on this page that needs it asks for it, and
 * the others use it until the page is left or {@link PASSWORD_KEPT_MS} has passed. It lives in
 * this component's state only (never stored), and is dropped when the service refuses it.
 */
interface Remembered {
  known: string | null;
  remember: (password: string | null) => void;
}

/**
 * The account: change the password, the security question and recovery codes (the two ways
 * back in after a forgotten password), notifications, the signed-in devices, sign out.
 */
export function AccountPanel({ session }: { session: ChatSession }) {
  const [known, remember] = useState<string | null>(null);
  useEffect(() => {
    if (known === null) return;
    const t = setTimeout(() => remember(null), PASSWORD_KEPT_MS);
    return () => clearTimeout(t);
  }, [known]);
  const pw: Remembered = { known, remember };
  return (
    <section class="panel" aria-labelledby="account-title">
      <header class="panel-head">
        <a class="back" href="#" aria-label="Back to conversations">
          ‹
        </a>
        <h2 id="account-title">Account</h2>
      </header>
      <p class="pad">
        Signed in as <strong>{session.username}</strong>.
      </p>
      <ChangePassword session={session} pw={pw} />
      <Recovery session={session} pw={pw} />
      <Notifications session={session} />
      <Sessions session={session} />
      <SignOut session={session} />
    </section>
  );
}

function ChangePassword({ session, pw }: { session: ChatSession; pw: Remembered }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<FormError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const password = pw.known ?? current;
    if (password.length === 0) return setError(new FormError('current', 'Enter your current password.'));
    const problem = passwordProblem(next, session.username);
    if (problem) return setError(new FormError('password', problem));
    if (next !== confirm) return setError(new FormError('confirm', 'The two new passwords are not the same.'));
    setBusy(true);
    setError(null);
    try {
      const revoked = await session.changePassword(password, next);
      pw.remember(next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(`Password changed.${revoked > 0 ? ` ${plural(revoked, 'other session')} signed out.` : ''}`);
    } catch (err) {
      const f = currentPasswordError(err);
      if (f.field === 'current') pw.remember(null);
      setError(f);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="passwd-title">
      <h3 id="passwd-title">Change password</h3>
      {pw.known === null && (
        <Field
          id="current-password"
          label="Current password"
          type="password"
          value={current}
          onValue={setCurrent}
          autoComplete="current-password"
          error={errorFor('current')}
        />
      )}
      <Field
        id="new-password"
        label="New password"
        type="password"
        value={next}
        onValue={setNext}
        autoComplete="new-password"
        error={errorFor('password')}
        hint="At least 8 characters. Your other sessions will be signed out."
      />
      <Field
        id="confirm-password"
        label="New password again"
        type="password"
        value={confirm}
        onValue={setConfirm}
        autoComplete="new-password"
        error={errorFor('confirm')}
      />
      <FormMessage error={errorFor('form')} ok={done} />
      <button type="submit" class="primary" disabled={busy || !session.online}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}

function SignOut({ session }: { session: ChatSession }) {
  const [asking, setAsking] = useState(false);
  const unsent = session.outbox.size;
  const out = () => void session.signOut().then(() => session.changed(false));
  return (
    <div class="card">
      <h3>Sign out</h3>
      <p class="muted">This browser forgets your session, its copy of your conversations and anything not sent yet.</p>
      {asking ? (
        <p class="warn" role="alert">
          {plural(unsent, 'message')} not sent yet will be lost.{' '}
          <button type="button" class="danger" onClick={out}>
            Sign out anyway
          </button>{' '}
          <button type="button" class="quiet" onClick={() => setAsking(false)}>
            Stay
          </button>
        </p>
      ) : (
        <button type="button" onClick={() => (unsent > 0 ? setAsking(true) : out())}>
          Sign out
        </button>
      )}
    </div>
  );
}

type SessionInfo = ResultOf<'auth.sessions'>['sessions'][number];

/**
 * A device as people read it: its name (given at sign-in from the browser, "Chrome on Linux", or
 * by its owner); sessions from before names get "Web browser" for this app's `w-…` labels.
 */
export function deviceName(s: { name: string | null; device: string | null }): string {
  if (s.name) return s.name;
  if (!s.device) return 'Unnamed device';
  return /^(w|web)-/.test(s.device) ? 'Web browser' : s.device;
}

/** The devices signed in to the account; each can be renamed, and any other one signed out. */
function Sessions({ session }: { session: ChatSession }) {
  const now = useNow();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const online = session.online;

  const load = async () => {
    try {
      const r = await session.listSessions();
      // signed in before devices had names: name this one after the browser, once
      const mine = r.sessions.find((s) => s.current && s.name === null);
      const named = thisBrowserName();
      if (mine && named) mine.name = await session.renameSession(mine.id, named).catch(() => null);
      setSessions(r.sessions);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };

  useEffect(() => {
    if (online) void load();
  }, [session, online]);

  const revoke = async (id: string) => {
    setBusy(id);
    setRowError(null);
    try {
      await session.revokeSession(id);
      await load();
    } catch (err) {
      setRowError({ id, text: errorText(err, { notFound: 'That session had already ended.' }) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card" aria-labelledby="sessions-title">
      <h3 id="sessions-title">Signed-in devices</h3>
      {!online && <p class="muted">The list needs a connection.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {sessions && (
        <ul class="rows flat">
          {sessions.map((s) => (
            <li key={s.id} class="row" data-session={s.current ? 'current' : 'other'}>
              {editing === s.id ? (
                <RenameForm
                  session={session}
                  info={s}
                  onDone={(name) => {
                    if (name !== null) setSessions(sessions.map((x) => (x.id === s.id ? { ...x, name } : x)));
                    setEditing(null);
                  }}
                />
              ) : (
                <>
                  <span class="row-main">
                    <strong>
                      {deviceName(s)}
                      {s.current && <span class="tag">this browser</span>}
                    </strong>
                    <span class="muted" title={`Signed in ${fullDate(s.createdAt)}, expires ${fullDate(s.expiresAt)}`}>
                      active {ago(s.lastSeenAt, now)} · signed in {ago(s.createdAt, now)}
                    </span>
                  </span>
                  <button type="button" class="quiet" onClick={() => setEditing(s.id)} disabled={!online} aria-label={`Rename ${deviceName(s)}`}>
                    Rename
                  </button>
                  {!s.current && (
                    <button type="button" onClick={() => void revoke(s.id)} disabled={busy !== null || !online} aria-label={`Sign out ${deviceName(s)}`}>
                      {busy === s.id ? 'Signing out…' : 'Sign out'}
                    </button>
                  )}
                </>
              )}
              {rowError?.id === s.id && (
                <p class="error" role="alert">
                  {rowError.text}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Renames one device in place: 1–64 characters of one line (the protocol's rule, checked here first). */
function RenameForm({ session, info, onDone }: { session: ChatSession; info: SessionInfo; onDone: (name: string | null) => void }) {
  const [name, setName] = useState(deviceName(info));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = sessionNameProblem(name);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      onDone(await session.renameSession(info.id, name));
    } catch (err) {
      setError(errorText(err, { notFound: 'That session has ended.' }));
      setBusy(false);
    }
  };
  return (
    <form class="rename" onSubmit={submit} noValidate>
      <Field id={`name-${info.id}`} label="Device name" value={name} onValue={setName} error={error} autoFocus />
      <button type="submit" class="primary" disabled={busy || !session.online}>
        {busy ? 'Saving…' : 'Save name'}
      </button>
      <button type="button" class="quiet" onClick={() => onDone(null)}>
        Cancel
      </button>
    </form>
  );
}

/** A wrong current password comes back as "invalid credentials": it belongs next to that input. */
function currentPasswordError(err: unknown): FormError {
  const f = formError(err);
  return f.field === 'form' && /match/.test(f.message) ? new FormError('current', 'That is not your current password.') : f;
}

const OWN_QUESTION = '';

/** The security question and the recovery codes: what "Forgot your password?" will ask for. */
function Recovery({ session, pw }: { session: ChatSession; pw: Remembered }) {
  const [status, setStatus] = useState<ResultOf<'security.get'> | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const online = session.online;
  const refresh = () =>
    session
      .securityStatus()
      .then((s) => {
        setStatus(s);
        setStatusError(null);
      })
      .catch((err) => setStatusError(errorText(err)));
  useEffect(() => {
    if (online) void refresh();
  }, [session, online]);

  return (
    <>
      <SecurityQuestion session={session} pw={pw} status={status} statusError={statusError} onSaved={refresh} />
      <RecoveryCodes session={session} pw={pw} codesLeft={status?.codesLeft ?? null} onMade={refresh} />
    </>
  );
}

function SecurityQuestion({
  session,
  pw,
  status,
  statusError,
  onSaved,
}: {
  session: ChatSession;
  pw: Remembered;
  status: ResultOf<'security.get'> | null;
  statusError: string | null;
  onSaved: () => void;
}) {
  const [choice, setChoice] = useState<string>(SECURITY_QUESTIONS[0]);
  const [own, setOwn] = useState('');
  const [answer, setAnswer] = useState('');
  const ask = usePasswordStep(pw);
  const [error, setError] = useState<FormError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);
  const question = choice === OWN_QUESTION ? own : choice;

  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const qp = questionProblem(question);
    if (qp) return setError(new FormError('question', qp));
    const ap = answerProblem(answer);
    if (ap) return setError(new FormError('answer', ap));
    const password = ask.password();
    if (password instanceof FormError) return setError(password);
    if (password === null) return setError(null);
    setBusy(true);
    setError(null);
    try {
      const r = await session.setSecurityQuestion(question, answer, password);
      ask.worked(password);
      setAnswer('');
      setDone(r.replaced ? 'Security question replaced.' : 'Security question set.');
      onSaved();
    } catch (err) {
      const f = ask.refused(err);
      // the service's other refusals are about the question or the answer
      setError(f.field === 'form' && /answer/i.test(f.message) ? new FormError('answer', f.message) : f);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="question-title">
      <h3 id="question-title">Security question</h3>
      <p class="muted" id="question-now">
        {statusError ??
          (status === null
            ? 'Loading…'
            : status.question
              ? `Now: “${status.question}”`
              : 'None set yet: set one so you can get back in if you forget your password.')}
      </p>
      <div class="field">
        <label for="question-choice">Question</label>
        <select id="question-choice" value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
          {SECURITY_QUESTIONS.map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
          <option value={OWN_QUESTION}>Write my own question…</option>
        </select>
      </div>
      {choice === OWN_QUESTION && <Field id="own-question" label="Your question" value={own} onValue={setOwn} error={errorFor('question')} />}
      {choice !== OWN_QUESTION && errorFor('question') && (
        <p class="error" role="alert">
          {errorFor('question')}
        </p>
      )}
      <Field
        id="security-answer"
        label="Answer"
        value={answer}
        onValue={setAnswer}
        error={errorFor('answer')}
        hint="Capitals and extra spaces do not matter. Pick something others cannot look up."
      />
      {ask.prompt('security-current', errorFor('current'))}
      <FormMessage error={errorFor('form')} ok={done} />
      <button type="submit" class="primary" disabled={busy || !session.online}>
        {busy ? 'Saving…' : status?.question ? 'Replace security question' : 'Set security question'}
      </button>
    </form>
  );
}

function RecoveryCodes({ session, pw, codesLeft, onMade }: { session: ChatSession; pw: Remembered; codesLeft: number | null; onMade: () => void }) {
  const ask = usePasswordStep(pw);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const password = ask.password();
    if (password instanceof FormError) return setError(password);
    if (password === null) return setError(null);
    setBusy(true);
    setError(null);
    setCopied(null);
    try {
      setCodes(await session.newRecoveryCodes(password));
      ask.worked(password);
      onMade();
    } catch (err) {
      setError(ask.refused(err));
    } finally {
      setBusy(false);
    }
  };

  // navigator.clipboard is missing outside secure contexts: that throws inside the chain, and says so
  const copy = (list: string[]) =>
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(list.join('\n')))
      .then(
        () => setCopied('Copied: paste them somewhere safe.'),
        () => setCopied('This browser did not allow copying: select the codes and copy them, or download them.'),
      );

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="codes-title">
      <h3 id="codes-title">Recovery codes</h3>
      <p class="muted">
        One-time codes that reset your password if you forget it.{' '}
        {codesLeft === null ? '' : codesLeft > 0 ? `${plural(codesLeft, 'unused code')} left.` : 'You have none.'} Making new ones voids the old ones.
      </p>
      {codes && (
        <div class="notice" role="status">
          <p>
            <strong>Your new codes — shown only now.</strong> Copy or download them, or write them down, and keep them somewhere safe.
          </p>
          <ol class="codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
          <p class="actions">
            <button type="button" onClick={() => void copy(codes)}>
              Copy codes
            </button>
            <button type="button" onClick={() => download(session.username, codes)}>
              Download .txt
            </button>
          </p>
          {copied && <p class="muted">{copied}</p>}
        </div>
      )}
      {ask.prompt('codes-current', errorFor('current'))}
      <FormMessage error={errorFor('form')} />
      <button type="submit" disabled={busy || !session.online}>
        {busy ? 'Making codes…' : 'Make new recovery codes'}
      </button>
    </form>
  );
}

/** The codes as a text file (`tidings-recovery-codes-<user>.txt`), made in the browser: nothing is sent anywhere. */
function download(username: string, codes: string[]): void {
  const text = [
    `Tidings recovery codes for ${username}`,
    `Made ${new Date().toISOString().slice(0, 10)}. Each code works once; making new codes voids these.`,
    '',
    ...codes,
    '',
  ].join('\n');
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  a.download = `tidings-recovery-codes-${username}.txt`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * The current-password step of a form that needs it: none when the page already has it (see
 * {@link Remembered}); otherwise the first submit shows the input (nothing is sent yet) and the
 * next one uses what was typed.
 */
function usePasswordStep(pw: Remembered) {
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState('');
  const shown = asking && pw.known === null;
  return {
    /** The password to send; null: the input was just shown; a FormError: it is empty. */
    password(): string | FormError | null {
      if (pw.known !== null) return pw.known;
      if (!asking) {
        setAsking(true);
        return null;
      }
      return typed.length === 0 ? new FormError('current', 'Enter your current password.') : typed;
    },
    worked(password: string) {
      pw.remember(password);
      setAsking(false);
      setTyped('');
    },
    refused(err: unknown): FormError {
      const f = currentPasswordError(err);
      if (f.field === 'current') {
        pw.remember(null);
        setAsking(true);
      }
      return f;
    },
    /** The input, when this form asks (a plain call, not a component: its identity must not change between drawings). */
    prompt(id: string, error: string | null) {
      if (!shown) return null;
      return (
        <Field
          id={id}
          label="Current password"
          type="password"
          value={typed}
          onValue={setTyped}
          autoComplete="current-password"
          error={error}
          hint="Asked once: the rest of this page will not ask again for a few minutes."
          autoFocus
        />
      );
    },
  };
}

/** Desktop notifications, turned on here (the browser asks for permission on this click, never on page load). */
function Notifications({ session }: { session: ChatSession }) {
  const key = notifyKey(session.username);
  const [on, setOn] = useState(() => notifyOn(session.kv, session.username));
  const [note, setNote] = useState<string | null>(null);
  const supported = notifySupported();

  const toggle = async (want: boolean) => {
    setNote(null);
    if (!want) {
      session.kv.remove(key);
      return setOn(false);
    }
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    if (permission !== 'granted') {
      setOn(false);
      return setNote('Your browser blocks notifications from this site: allow them in its site settings, then try again.');
    }
    session.kv.set(key, '1');
    setOn(true);
  };

  return (
    <section class="card" aria-labelledby="notify-title">
      <h3 id="notify-title">Notifications</h3>
      <p class="muted">The tab’s title counts unread messages, like “(3) Tidings”.</p>
      {supported ? (
        <label class="check">
          <input type="checkbox" checked={on} onChange={(e) => void toggle(e.currentTarget.checked)} />
          Desktop notifications for direct messages and mentions while Tidings is in the background
        </label>
      ) : (
        <p class="muted">This browser cannot show desktop notifications.</p>
      )}
      {note && (
        <p class="error" role="alert">
          {note}
        </p>
      )}
    </section>
  );
}
