import { DEFAULT_ROOM } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import { FormError, formError, register, signIn, type BrokerTarget } from '../app/auth.js';
import type { SavedSession } from '../state/identity.js';
import { Field, FormMessage } from './Field.js';
import type { Typed } from './static-form.js';

/**
 * The signed-out screens: sign in, create an account, and "Forgot your password?" (recovery
 * with the security question or a recovery code, in Recover.tsx, loaded when first opened).
 */
type Mode = 'sign-in' | 'register' | 'recover';

const loadRecover = () => import('./Recover.js');
type RecoverModule = Awaited<ReturnType<typeof loadRecover>>;

export interface AuthScreenProps {
  target: BrokerTarget;
  device: string;
  /** Why the user is here (e.g. the session ended elsewhere). */
  notice: string | null;
  onSignedIn: (session: SavedSession) => void;
  /** Typed into index.html's static copy of this form before the app started. */
  initial?: Typed | null;
}

export function AuthScreen({ target, device, notice, onSignedIn, initial }: AuthScreenProps) {
  const [mode, setMode] = useState<Mode>('sign-in');
  const [username, setUsername] = useState(initial?.username ?? '');
  const [password, setPassword] = useState(initial?.password ?? '');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === 'register';
  const [recoverModule, setRecoverModule] = useState<RecoverModule | string | null>(null);
  useEffect(() => {
    if (mode !== 'recover' || (recoverModule && typeof recoverModule !== 'string')) return;
    loadRecover().then(setRecoverModule, () => setRecoverModule('This page could not be loaded: check your connection and try again.'));
  }, [mode]);
  const errorFor = (field: FormError['field']) => (error?.field === field ? error.message : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (registering && password !== confirm) {
      setError(new FormError('confirm', 'The two passwords are not the same.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await (registering ? register : signIn)(target, username, password, device);
      // A new account is in #general already (auth.register): open it, ready to type.
      if (registering) location.hash = `#/c/${DEFAULT_ROOM}`;
      onSignedIn(session);
    } catch (err) {
      setError(formError(err));
      setBusy(false);
    }
  };

  const switchTo = (next: Mode) => {
    setMode(next);
    setError(null);
  };

  return (
    <main class="auth">
      <h1 class="brand-big">Tidings</h1>
      <p class="tagline">Chat that keeps going on a bad connection.</p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {mode === 'recover' ? (
        <h2 class="form-title">Reset your password</h2>
      ) : (
        <div class="tabs">
          <button type="button" aria-pressed={mode === 'sign-in'} onClick={() => switchTo('sign-in')}>
            Sign in
          </button>
          <button type="button" aria-pressed={registering} onClick={() => switchTo('register')}>
            Create account
          </button>
        </div>
      )}
      {mode === 'recover' ? (
        recoverModule && typeof recoverModule !== 'string' ? (
          <recoverModule.RecoverForm target={target} device={device} initialUsername={username} onSignedIn={onSignedIn} />
        ) : (
          <p class={typeof recoverModule === 'string' ? 'error' : 'muted'} role="status">
            {typeof recoverModule === 'string' ? recoverModule : 'Loading…'}
          </p>
        )
      ) : (
        <form class="card" onSubmit={submit} noValidate aria-label={registering ? 'Create an account' : 'Sign in'}>
          <Field
            id="username"
            label="Username"
            value={username}
            onValue={setUsername}
            autoComplete="username"
            error={errorFor('username')}
            {...(registering ? { hint: usernameHint(username) } : {})}
            autoFocus={initial?.focus?.id !== 'password'}
          />
          <Field
            id="password"
            label="Password"
            type="password"
            value={password}
            onValue={setPassword}
            autoComplete={registering ? 'new-password' : 'current-password'}
            error={errorFor('password')}
            {...(registering ? { hint: 'At least 8 characters.' } : {})}
            autoFocus={initial?.focus?.id === 'password'}
          />
          {registering && (
            <Field
              id="confirm"
              label="Password again"
              type="password"
              value={confirm}
              onValue={setConfirm}
              autoComplete="new-password"
              error={errorFor('confirm')}
            />
          )}
          <FormMessage error={errorFor('form')} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? (registering ? 'Creating your account…' : 'Signing in…') : registering ? 'Create account' : 'Sign in'}
          </button>
        </form>
      )}
      {mode === 'sign-in' && (
        <p class="below">
          <button type="button" class="link" onClick={() => switchTo('recover')}>
            Forgot your password?
          </button>
        </p>
      )}
      {mode === 'recover' && (
        <p class="below">
          <button type="button" class="link" onClick={() => switchTo('sign-in')}>
            Back to sign in
          </button>
        </p>
      )}
    </main>
  );
}

/** Usernames are lower-case: say so, with the name they will have, instead of changing what was typed in silence. */
export function usernameHint(typed: string): string {
  const lower = typed.trim().toLowerCase();
  return lower !== typed.trim() ? `Usernames are lower-case: you will be “${lower}”.` : '3–32 characters: a-z, 0-9, _ . -';
}
