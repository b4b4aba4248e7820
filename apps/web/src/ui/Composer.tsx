import { useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { title } from './format.js';

/** Unsent text per conversation, kept while switching between them. */
const drafts = new Map<string, string>();

export function Composer({ session, cref }: { session: ChatSession; cref: string }) {
  const [text, setText] = useState(drafts.get(cref) ?? '');
  const [error, setError] = useState<string | null>(null);
  const lines = Math.min(6, text.split('\n').length);

  const update = (value: string) => {
    setText(value);
    drafts.set(cref, value);
    if (error) setError(null);
    if (value.trim().length > 0) session.typing(cref);
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    const problem = session.send(cref, text);
    if (problem) {
      setError(problem);
      return;
    }
    update('');
  };

  return (
    <form class="composer" onSubmit={submit}>
      <label class="sr-only" for="composer">
        Message {title(cref)}
      </label>
      <textarea
        id="composer"
        rows={lines}
        value={text}
        placeholder={`Message ${title(cref)}`}
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'composer-error' : undefined}
      />
      <button type="submit" class="primary">
        Send
      </button>
      {error && (
        <p class="error" id="composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
