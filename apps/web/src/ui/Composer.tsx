import { TEXT_MAX } from '@tidings/protocol';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { title } from './format.js';

/** From about this many characters the composer shows how many there are. */
export const COUNT_FROM = 3500;

export function Composer({ session, cref }: { session: ChatSession; cref: string }) {
  const [text, setText] = useState(() => session.drafts.get(cref));
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  // characters as the service counts them (code points, trimmed); cheap below the threshold
  const count = text.length < COUNT_FROM ? 0 : [...text.trim()].length;
  const over = count - TEXT_MAX;

  // grows with the text up to the CSS max-height, then scrolls (CSSOM, allowed by the CSP)
  useLayoutEffect(() => {
    const el = area.current!;
    el.style.height = '';
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  }, [text]);

  const update = (value: string) => {
    setText(value);
    session.drafts.set(cref, value);
    if (error) setError(null);
    if (value.trim().length > 0) session.typing(cref);
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    const problem = over > 0 ? `Too long to send: ${over} ${over === 1 ? 'character' : 'characters'} over the limit of ${TEXT_MAX}.` : session.send(cref, text);
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
        ref={area}
        rows={1}
        dir="auto"
        value={text}
        placeholder={`Message ${title(cref)}`}
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
        }}
        aria-invalid={error || over > 0 ? true : undefined}
        aria-describedby={`${count >= COUNT_FROM ? 'composer-count' : ''} ${error ? 'composer-error' : ''}`.trim() || undefined}
      />
      <button type="submit" class="primary">
        Send
      </button>
      {count >= COUNT_FROM && (
        <p id="composer-count" class={`count ${over > 0 ? 'over' : ''}`}>
          {count} / {TEXT_MAX}
        </p>
      )}
      {error && (
        <p class="error" id="composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
