import type { Plugin } from 'vite';

/**
 * The protocol package without its documentation strings in the browser: `.describe('…')` on
 * its zod schemas and the `summary: '…'` of each operation are read only to write
 * docs/asyncapi.yaml; validation (`parse`, `safeParse`) never looks at them. ≈ 3 KB brotli of
 * the first load. Only string literals (and sums of them) are removed; a call with anything
 * else is left as it is, so the worst a new form can do is cost bytes, never break validation.
 */
export function protocolWithoutDocs(): Plugin {
  return {
    name: 'tidings-protocol-without-docs',
    apply: 'build',
    transform(code, id) {
      if (!/[\\/]packages[\\/]protocol[\\/]dist[\\/][^\\/]+\.js$/.test(id) && !/[\\/]@tidings[\\/]protocol[\\/]dist[\\/]/.test(id)) return null;
      const stripped = stripDocs(code);
      return stripped === code ? null : { code: stripped, map: null };
    },
  };
}

/** `code` without `.describe(<string>)` calls, and with `summary: <string>` emptied. */
export function stripDocs(code: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const describe = code.indexOf('.describe(', i);
    const summary = code.indexOf('summary: ', i);
    const next = [describe, summary].filter((n) => n >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) break;
    if (next === describe) {
      const end = stringsEnd(code, describe + '.describe('.length);
      if (end !== null && code[end] === ')') {
        out += code.slice(i, describe);
        i = end + 1;
        continue;
      }
      out += code.slice(i, describe + 1);
      i = describe + 1;
    } else {
      const start = summary + 'summary: '.length;
      const end = stringsEnd(code, start);
      if (end !== null && /^\s*[,}]/.test(code.slice(end))) {
        out += `${code.slice(i, start)}''`;
        i = end;
        continue;
      }
      out += code.slice(i, summary + 1);
      i = summary + 1;
    }
  }
  return out + code.slice(i);
}

/**
 * Where a run of string literals joined by `+` that starts at `from` (after blanks) ends, blanks
 * after it skipped; null when what is there is not only string literals. A template literal
 * counts when its `${…}` parts hold no braces, strings or backticks of their own.
 */
function stringsEnd(code: string, from: number): number | null {
  let i = skipBlanks(code, from);
  for (;;) {
    const end = literalEnd(code, i);
    if (end === null) return null;
    i = skipBlanks(code, end);
    if (code[i] !== '+') return i;
    i = skipBlanks(code, i + 1);
  }
}

function skipBlanks(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i]!)) i++;
  return i;
}

/** The index after the string literal starting at `i`, or null when none starts there. */
function literalEnd(code: string, i: number): number | null {
  const quote = code[i];
  if (quote !== "'" && quote !== '"' && quote !== '`') return null;
  for (let j = i + 1; j < code.length; j++) {
    const ch = code[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === quote) return j + 1;
    if (quote !== '`' && ch === '\n') return null;
    if (quote === '`' && ch === '$' && code[j + 1] === '{') {
      const close = code.indexOf('}', j);
      if (close < 0 || /[{'"`]/.test(code.slice(j + 2, close))) return null;
      j = close;
    }
  }
  return null;
}
