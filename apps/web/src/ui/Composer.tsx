import { TEXT_MAX } from '@tidings/protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { peerOf } from '../state/chat.js';
import { title } from './format.js';

/** From about this many characters the composer shows how many there are. */
export const COUNT_FROM = 3500;
/** Names offered for an `@` being typed at most. */
const SUGGESTED = 5;
// an `@name` being typed just before the caret, by the protocol's rule for what starts a mention
const TYPING_AT = /(?:^|[^\p{L}\p{N}_.@-])@([a-z0-9_.-]{0,32})$/iu;

/**
 * The message box: focused when its conversation opens (not on touch screens, where that would
 * raise the keyboard over the messages); ↑ in it while empty edits your last message; a reply
 * (`quote`, new `n` each time) goes in front of what is typed.
 */
export function Composer({
  session,
  cref,
  onEditLast,
  quote,
}: {
  session: ChatSession;
  cref: string;
  onEditLast: () => boolean;
  quote: { text: string; n: number } | null;
}) {
  const [text, setText] = useState(() => session.drafts.get(cref));
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  // @mention autocomplete: the room's members (or the peer), read once when an `@` is first typed
  const [names, setNames] = useState<string[] | null>(null);
  const [at, setAt] = useState<{ q: string; from: number; to: number } | null>(null);
  const [sel, setSel] = useState(0);
  const caret = useRef(-1);
  const options = at && names ? names.filter((n) => n !== session.username && n.startsWith(at.q)).slice(0, SUGGESTED) : [];
  // characters as the service counts them (code points, trimmed); cheap below the threshold
  const count = text.length < COUNT_FROM ? 0 : [...text.trim()].length;
  const over = count - TEXT_MAX;

  // grows with the text up to the CSS max-height, then scrolls (CSSOM, allowed by the CSP)
  useLayoutEffect(() => {
    const el = area.current!;
    el.style.height = '';
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
    if (caret.current >= 0) el.setSelectionRange(caret.current, caret.current);
    caret.current = -1;
  }, [text]);

  useEffect(() => {
    if (!matchMedia('(pointer: coarse)').matches) area.current?.focus();
  }, []);

  useEffect(() => {
    if (!quote) return;
    const value = text.startsWith(quote.text) ? text : quote.text + text;
    caret.current = value.length;
    update(value);
    area.current?.focus();
  }, [quote?.n]);

  const update = (value: string, end = 0) => {
    const m = TYPING_AT.exec(value.slice(Math.max(0, end - 34), end));
    setAt(m ? { q: m[1]!.toLowerCase(), from: end - m[1]!.length, to: end } : null);
    setSel(0);
    if (m && !names) {
      setNames([]);
      const peer = peerOf(cref);
      if (peer) setNames([peer]);
      else
        session.members(cref).then(
          (ms) => setNames(ms.map((x) => x.u)),
          () => setNames(null),
        );
    }
    setText(value);
    session.drafts.set(cref, value);
    if (error) setError(null);
    if (value.trim().length > 0) session.typing(cref);
  };

  const choose = (name: string) => {
    caret.current = at!.from + name.length + 1;
    update(`${text.slice(0, at!.from)}${name} ${text.slice(at!.to)}`);
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
        onInput={(e) => update(e.currentTarget.value, e.currentTarget.selectionEnd)}
        onKeyDown={(e) => {
          if (options.length && !e.isComposing) {
            const k = ['ArrowDown', 'ArrowUp', 'Enter', 'Tab', 'Escape'].indexOf(e.key);
            if (k >= 0) {
              e.preventDefault();
              if (k < 2) setSel((sel + (k ? options.length - 1 : 1)) % options.length);
              else if (k < 4) choose(options[sel]!);
              else setAt(null);
              return;
            }
          }
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
          if (e.key === 'ArrowUp' && text === '' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && onEditLast()) e.preventDefault();
        }}
        onBlur={() => setAt(null)}
        aria-autocomplete="list"
        aria-controls={options.length ? 'mentions' : undefined}
        aria-activedescendant={options.length ? `mention-${sel}` : undefined}
        aria-invalid={error || over > 0 ? true : undefined}
        aria-describedby={`${count >= COUNT_FROM ? 'composer-count' : ''} ${error ? 'composer-error' : ''}`.trim() || undefined}
      />
      <button type="submit" class="primary">
        Send
      </button>
      {options.length > 0 && (
        <ul id="mentions" class="suggest" role="listbox" aria-label="Mention">
          {options.map((n, i) => (
            <li key={n} id={`mention-${i}`} role="option" aria-selected={i === sel} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(n)}>
              @{n}
            </li>
          ))}
        </ul>
      )}
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
