import { passwordProblem } from '@tidings/protocol';
import { SECURITY_QUESTIONS, answerProblem, questionProblem, type ResultOf } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import { FormError, formError } from '../app/auth.js';
import type { ChatSession } from '../app/session.js';
import { Field, FormMessage } from './Field.js';
import { errorText } from './errors.js';
import { ago, fullDate, plural } from './format.js';
import { useNow } from './hooks.js';

/**
 * The account: change the password, the security question and recovery codes (the two ways
 * back in after a forgotten password), the signed-in devices, sign out.
 */
export function AccountPanel({ session }: { session: ChatSession }) {
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
      <ChangePassword session={session} />
      <Recovery session={session} />
      <Sessions session={session} />
      <SignOut session={session} />
    </section>
  );
}

function ChangePassword({ session }: { session: ChatSession }) {
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
    if (current.length === 0) return setError(new FormError('current', 'Enter your current password.'));
    const problem = passwordProblem(next, session.username);
    if (problem) return setError(new FormError('password', problem));
    if (next !== confirm) return setError(new FormError('confirm', 'The two new passwords are not the same.'));
    setBusy(true);
    setError(null);
    try {
      const revoked = await session.changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(`Password changed.${revoked > 0 ? ` ${plural(revoked, 'other session')} signed out.` : ''}`);
    } catch (err) {
      setError(currentPasswordError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="passwd-title">
      <h3 id="passwd-title">Change password</h3>
      <Field
        id="current-password"
        label="Current password"
        type="password"
        value={current}
        onValue={setCurrent}
        autoComplete="current-password"
        error={errorFor('current')}
      />
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

/** A device label as people read it: this app's own labels are `w-<random>` (`web-<random>` before). */
function deviceName(device: string | null): string {
  if (!device) return 'Unnamed device';
  return /^(w|web)-/.test(device) ? `Web browser (${device})` : device;
}

/** The devices signed in to the account; any other one can be signed out from here. */
function Sessions({ session }: { session: ChatSession }) {
  const now = useNow();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const online = session.online;

  const load = () =>
    session
      .listSessions()
      .then((r) => {
        setSessions(r.sessions);
        setError(null);
      })
      .catch((err) => setError(errorText(err)));

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
              <span class="row-main">
                <strong>
                  {deviceName(s.device)}
                  {s.current && <span class="tag">this browser</span>}
                </strong>
                <span class="muted" title={`Signed in ${fullDate(s.createdAt)}, expires ${fullDate(s.expiresAt)}`}>
                  active {ago(s.lastSeenAt, now)} · signed in {ago(s.createdAt, now)}
                </span>
              </span>
              {!s.current && (
                <button type="button" onClick={() => void revoke(s.id)} disabled={busy !== null || !online} aria-label={`Sign out ${deviceName(s.device)}`}>
                  {busy === s.id ? 'Signing out…' : 'Sign out'}
                </button>
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

/** A wrong current password comes back as "invalid credentials": it belongs next to that input. */
function currentPasswordError(err: unknown): FormError {
  const f = formError(err);
  return f.field === 'form' && /match/.test(f.message) ? new FormError('current', 'That is not your current password.') : f;
}

const OWN_QUESTION = '';

/** The security question and the recovery codes: what "Forgot your password?" will ask for. */
function Recovery({ session }: { session: ChatSession }) {
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
      <SecurityQuestion session={session} status={status} statusError={statusError} onSaved={refresh} />
      <RecoveryCodes session={session} codesLeft={status?.codesLeft ?? null} onMade={refresh} />
    </>
  );
}

function SecurityQuestion({
  session,
  status,
  statusError,
  onSaved,
}: {
  session: ChatSession;
  status: ResultOf<'security.get'> | null;
  statusError: string | null;
  onSaved: () => void;
}) {
  const [choice, setChoice] = useState<string>(SECURITY_QUESTIONS[0]);
  const [own, setOwn] = useState('');
  const [answer, setAnswer] = useState('');
  const [current, setCurrent] = useState('');
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
    if (current.length === 0) return setError(new FormError('current', 'Enter your current password.'));
    setBusy(true);
    setError(null);
    try {
      const r = await session.setSecurityQuestion(question, answer, current);
      setAnswer('');
      setCurrent('');
      setDone(r.replaced ? 'Security question replaced.' : 'Security question set.');
      onSaved();
    } catch (err) {
      const f = currentPasswordError(err);
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
      <Field
        id="security-current"
        label="Current password"
        type="password"
        value={current}
        onValue={setCurrent}
        autoComplete="current-password"
        error={errorFor('current')}
      />
      <FormMessage error={errorFor('form')} ok={done} />
      <button type="submit" class="primary" disabled={busy || !session.online}>
        {busy ? 'Saving…' : status?.question ? 'Replace security question' : 'Set security question'}
      </button>
    </form>
  );
}

function RecoveryCodes({ session, codesLeft, onMade }: { session: ChatSession; codesLeft: number | null; onMade: () => void }) {
  const [current, setCurrent] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (current.length === 0) return setError(new FormError('current', 'Enter your current password.'));
    setBusy(true);
    setError(null);
    try {
      setCodes(await session.newRecoveryCodes(current));
      setCurrent('');
      onMade();
    } catch (err) {
      setError(currentPasswordError(err));
    } finally {
      setBusy(false);
    }
  };

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
            <strong>Your new codes — shown only now.</strong> Write them down or store them somewhere safe.
          </p>
          <ol class="codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
        </div>
      )}
      <Field
        id="codes-current"
        label="Current password"
        type="password"
        value={current}
        onValue={setCurrent}
        autoComplete="current-password"
        error={errorFor('current')}
      />
      <FormMessage error={errorFor('form')} />
      <button type="submit" disabled={busy || !session.online}>
        {busy ? 'Making codes…' : 'Make new recovery codes'}
      </button>
    </form>
  );
}
