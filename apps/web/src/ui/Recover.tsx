import { useState } from 'preact/hooks';
import { FormError, formError, type BrokerTarget } from '../app/auth.js';
import { recover, recoveryQuestion, type RecoveryMethod } from '../app/recovery.js';
import type { SavedSession } from '../state/identity.js';
import { Field, FormMessage } from './Field.js';

export interface RecoverProps {
  target: BrokerTarget;
  device: string;
  initialUsername: string;
  onSignedIn: (session: SavedSession) => void;
}

/**
 * "Forgot your password?": the username first, then the account's security question (or a
 * recovery code) and a new password. Loaded only when asked for, to keep the first load light.
 */
export function RecoverForm({ target, device, initialUsername, onSignedIn }: RecoverProps) {
  const [username, setUsername] = useState(initialUsername);
  const [question, setQuestion] = useState<string | null>(null);
  const [method, setMethod] = useState<RecoveryMethod>('question');
  const [secret, setSecret] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);

  const ask = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setQuestion(await recoveryQuestion(target, username));
    } catch (err) {
      setError(formError(err));
    } finally {
      setBusy(false);
    }
  };

  const reset = async (e: Event) => {
    e.preventDefault();
    if (password !== confirm) return setError(new FormError('confirm', 'The two new passwords are not the same.'));
    setBusy(true);
    setError(null);
    try {
      const { session } = await recover(target, { username, method, secret, newPassword: password, device });
      onSignedIn(session);
    } catch (err) {
      setError(formError(err));
      setBusy(false);
    }
  };

  const choose = (next: RecoveryMethod) => {
    setMethod(next);
    setSecret('');
    setError(null);
  };

  if (question === null)
    return (
      <form class="card" onSubmit={ask} noValidate aria-label="Find your account">
        <p class="muted form-intro">Reset a forgotten password with your security question or one of your recovery codes.</p>
        <Field id="username" label="Username" value={username} onValue={setUsername} autoComplete="username" error={errorFor('username')} autoFocus />
        <FormMessage error={errorFor('form')} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Looking…' : 'Next'}
        </button>
      </form>
    );

  return (
    <form class="card" onSubmit={reset} noValidate aria-label="Reset your password">
      <p class="form-intro">
        Account <strong>{username.trim().toLowerCase()}</strong>{' '}
        <button type="button" class="link" onClick={() => setQuestion(null)}>
          change
        </button>
      </p>
      <fieldset class="seg">
        <legend>Reset with</legend>
        {(
          [
            ['question', 'Security question'],
            ['code', 'Recovery code'],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input type="radio" name="method" value={value} checked={method === value} onChange={() => choose(value)} />
            <span>{label}</span>
          </label>
        ))}
      </fieldset>
      {method === 'question' ? (
        <>
          <p class="question" id="recovery-question">
            {question}
          </p>
          <Field
            id="answer"
            label="Your answer"
            value={secret}
            onValue={setSecret}
            error={errorFor('answer')}
            hint="Capitals and extra spaces do not matter."
            autoFocus
          />
        </>
      ) : (
        <Field
          id="code"
          label="Recovery code"
          value={secret}
          onValue={setSecret}
          error={errorFor('code')}
          hint="One of the codes you saved, like abcde-12345. Each works once."
          autoFocus
        />
      )}
      <Field
        id="password"
        label="New password"
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="new-password"
        error={errorFor('password')}
        hint="At least 8 characters. Every device signed in to this account will be signed out."
      />
      <Field
        id="confirm"
        label="New password again"
        type="password"
        value={confirm}
        onValue={setConfirm}
        autoComplete="new-password"
        error={errorFor('confirm')}
      />
      <FormMessage error={errorFor('form')} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Resetting…' : 'Reset password and sign in'}
      </button>
    </form>
  );
}
