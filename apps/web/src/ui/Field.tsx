import { useEffect, useRef } from 'preact/hooks';

export interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'password';
  autoComplete?: string;
  /** Shown under the input in red, and announced. */
  error?: string | null | undefined;
  hint?: string;
  autoFocus?: boolean;
}

/** A labelled input with its hint and its error right under it, tied together for screen readers. */
export function Field({ id, label, value, onValue, type = 'text', autoComplete, error, hint: givenHint, autoFocus }: FieldProps) {
  let hint = givenHint;
  const input = useRef<HTMLInputElement>(null);
  // the autofocus attribute only works on the first page load; screens swapped in later focus here
  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, []);
  // the error replaces the hint: one line under the input, saying what to fix
  if (error) hint = undefined;
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        ref={input}
        id={id}
        name={id}
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- preact's input types want the literal
        type={type as 'text'}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        autoComplete={autoComplete}
        autoCapitalize="off"
        spellcheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`} aria-live="polite">
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** An error about the whole form (not one input). */
export function FormMessage({ error, ok }: { error?: string | null | undefined; ok?: string | null | undefined }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (ok)
    return (
      <p class="ok" role="status">
        {ok}
      </p>
    );
  return null;
}
