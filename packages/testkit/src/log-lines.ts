/**
 * Checks of log output that JSON.parse cannot make: it keeps the last of two equal keys without a
 * word, so `{"service":"broker","service":"auth"}` parses as if it were fine. This reads a JSON
 * text token by token (RFC 8259) and reports every key that appears twice in one object.
 */

export interface JsonLineCheck {
  /** The line parsed (JSON.parse's value), when it is JSON. */
  value?: unknown;
  /** Why it is not JSON, when it is not. */
  error?: string;
  /** Keys that appear more than once in one object, as paths (`service`, `err.code`). */
  duplicates: string[];
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** Reads `text` as one JSON value; reports duplicate keys at every depth and whether it is JSON at all. */
export function checkJsonLine(text: string): JsonLineCheck {
  const duplicates: string[] = [];
  let i = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) fail(`expected ${JSON.stringify(c)}`);
    i++;
  };
  const string = (): string => {
    const start = i;
    expect('"');
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('a control character in a string');
      i++;
    }
    expect('"');
    return JSON.parse(text.slice(start, i)) as string; // the escapes, decoded as JSON decodes them
  };
  const literal = () => {
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) fail('expected a value');
    i += m![0].length;
  };
  const value = (path: string): void => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skip();
      if (text[i] === '}') return void i++;
      for (;;) {
        skip();
        const key = string();
        const at = path ? `${path}.${key}` : key;
        if (seen.has(key)) duplicates.push(at);
        seen.add(key);
        skip();
        expect(':');
        value(at);
        skip();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        skip();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return void string();
    literal();
  };

  try {
    value('');
    skip();
    if (i !== text.length) fail('text after the value');
    return { value: JSON.parse(text) as unknown, duplicates };
  } catch (err) {
    return { error: (err as Error).message, duplicates };
  }
}

/** A log line that is not one JSON object, or has a key twice: what is wrong, quoting the line. */
export interface LogLineProblem {
  line: string;
  problem: string;
}

/** Every line of `lines` that is not a JSON object or repeats a key in one object. */
export function logLineProblems(lines: readonly string[]): LogLineProblem[] {
  const problems: LogLineProblem[] = [];
  for (const line of lines) {
    const check = checkJsonLine(line);
    if (check.error !== undefined) problems.push({ line, problem: `not JSON: ${check.error}` });
    else if (check.value === null || typeof check.value !== 'object' || Array.isArray(check.value)) problems.push({ line, problem: 'not a JSON object' });
    else if (check.duplicates.length > 0) problems.push({ line, problem: `a key more than once: ${check.duplicates.join(', ')}` });
  }
  return problems;
}
