import { USERNAME_PATTERN } from '@tidings/protocol';
import { h, type ComponentChildren } from 'preact';

/**
 * Message text as Preact elements: links (http/https only), `**bold**`, `*italic*`/`_italic_`,
 * `` `code` ``, ``` fenced blocks ```, `> quotes` and `@mentions`. Every piece of user text
 * stays a text node; no HTML is ever parsed. One pass over the text: each closing-mark search
 * either consumes what it scanned or is remembered as failed up to where it stopped, and
 * emphasis nests at most two deep, so the work is linear in the length (`steps` counts it).
 */
export const steps = { n: 0 };

type Out = ComponentChildren[];
const SPACE = /\s/;
const WORD = /[\p{L}\p{N}_]/u;
// the protocol's mentionsIn rule, anchored at one `@`
const NOT_BEFORE_AT = /[\p{L}\p{N}_.@-]$/u;
const MENTION = /@([A-Za-z0-9_.-]{3,32})(?![A-Za-z0-9_-])/y;
const LINK = /https?:\/\//iy;

/** The first valid closing `mark` in s[i, to) on this line; else -(where the search stopped) - 1. */
function closer(s: string, mark: string, i: number, to: number): number {
  for (; i < to && s[i] !== '\n'; i++) {
    steps.n++;
    if (!s.startsWith(mark, i)) continue;
    if (mark === '`') return i;
    if (mark === '*' && s[i + 1] === '*') i++;
    else if (!SPACE.test(s[i - 1]!) && !(mark === '_' && WORD.test(s[i + 1] ?? ''))) return i;
  }
  return -i - 1;
}

function inline(s: string, from: number, to: number, me: string, depth: number): Out {
  const out: Out = [];
  // per mark: no closer before this index
  const failed: Record<string, number> = {};
  let text = from;
  for (let i = from; i < to;) {
    steps.n++;
    const c = s[i]!;
    let node: ComponentChildren = null;
    let next = i + 1;
    let m: RegExpExecArray | null;
    const mark = c === '`' ? c : depth > 1 ? '' : s.startsWith('**', i) ? '**' : c === '*' || c === '_' ? c : '';
    const open = i + mark.length;
    if (mark && (failed[mark] ?? -1) < open && (mark === '`' || (!SPACE.test(s[open] ?? ' ') && s[open] !== c && !(c === '_' && WORD.test(s[i - 1] ?? ''))))) {
      const end = closer(s, mark, open, to);
      if (end < 0) failed[mark] = -end - 1;
      else if (end > open) {
        node = mark === '`' ? h('code', null, s.slice(open, end)) : h(mark === '**' ? 'strong' : 'em', null, inline(s, open, end, me, depth + 1));
        next = end + mark.length;
      }
      if (!node) next = open;
    } else if ((c === 'h' || c === 'H') && !WORD.test(s[i - 1] ?? '') && ((LINK.lastIndex = i), LINK.test(s))) {
      let e = LINK.lastIndex;
      while (e < to && !SPACE.test(s[e]!) && !'<>"'.includes(s[e]!)) e++;
      let opened = 0;
      for (let k = i; k < e; k++) opened += s[k] === '(' ? 1 : s[k] === ')' ? -1 : 0;
      // trailing punctuation ends the sentence, not the link; a ")" only when unbalanced
      while (".,:;!?'*_)]".includes(s[e - 1]!) && (s[e - 1] !== ')' || opened++ < 0)) e--;
      if (e > LINK.lastIndex) {
        const href = s.slice(i, e);
        node = h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, href);
        next = e;
      }
    } else if (c === '@' && !NOT_BEFORE_AT.test(s.slice(Math.max(0, i - 2), i)) && ((MENTION.lastIndex = i), (m = MENTION.exec(s)))) {
      const name = m[1]!.toLowerCase().replace(/\.+$/, '');
      if (USERNAME_PATTERN.test(name) && i + name.length < to) {
        next = i + 1 + name.length;
        node = h('span', { class: name === me ? 'mention me' : 'mention' }, s.slice(i, next));
      }
    }
    if (node) {
      if (i > text) out.push(s.slice(text, i));
      out.push(node);
      text = next;
    }
    i = next;
  }
  if (to > text) out.push(s.slice(text, to));
  return out;
}

/** The children of a message's text element; `me` is the reader's username (their mentions stand out). */
export function rich(s: string, me: string): Out {
  const out: Out = [];
  let run = -1;
  const flush = (end: number) => {
    if (run >= 0) out.push(...inline(s, run, Math.max(run, end - 1), me, 0));
    run = -1;
  };
  for (let pos = 0; pos <= s.length;) {
    let eol = s.indexOf('\n', pos);
    if (eol < 0) eol = s.length;
    if (s.startsWith('```', pos)) {
      flush(pos);
      let close = eol;
      while (close < s.length && !s.startsWith('```', close + 1)) {
        close = s.indexOf('\n', close + 1);
        if (close < 0) close = s.length;
      }
      out.push(h('pre', null, h('code', null, s.slice(eol + 1, close))));
      eol = s.indexOf('\n', close + 1);
      if (eol < 0) eol = s.length;
    } else if (s.startsWith('> ', pos) || (s[pos] === '>' && eol === pos + 1)) {
      flush(pos);
      const quote: Out = [];
      for (; s.startsWith('> ', pos) || (s[pos] === '>' && (s[pos + 1] ?? '\n') === '\n'); pos = eol + 1) {
        eol = s.indexOf('\n', pos);
        if (eol < 0) eol = s.length;
        if (quote.length) quote.push('\n');
        quote.push(...inline(s, Math.min(pos + 2, eol), eol, me, 0));
      }
      out.push(h('blockquote', null, quote));
      eol = pos - 1;
    } else if (run < 0) run = pos;
    pos = eol + 1;
  }
  flush(s.length + 1);
  return out;
}
