import { mentionsIn, TEXT_MAX } from '@tidings/protocol';
import { isValidElement, type ComponentChildren, type VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { rich, steps } from '../src/ui/rich.js';

const ELEMENTS = new Set(['strong', 'em', 'code', 'pre', 'blockquote', 'a', 'span']);

/**
 * The elements as markup, for reading the expectations. Text is escaped here, so a `<` in the
 * output below is always one of the parser's elements and `&lt;` is text; `check` also proves that
 * every node is a plain string or an allowed element with nothing but known props.
 */
function html(children: ComponentChildren): string {
  if (Array.isArray(children)) return children.map(html).join('');
  if (typeof children === 'string') return children.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  if (!isValidElement(children)) throw new Error(`not text or an element: ${JSON.stringify(children)}`);
  const v = children as VNode<Record<string, unknown>>;
  const { children: inner, ...props } = v.props;
  const attrs = Object.entries(props)
    .map(([k, x]) => ` ${k}="${String(x)}"`)
    .join('');
  return `<${String(v.type)}${attrs}>${html(inner)}</${String(v.type)}>`;
}

function check(children: ComponentChildren): void {
  if (Array.isArray(children)) return children.forEach(check);
  if (typeof children === 'string') return;
  const v = children as VNode<Record<string, unknown>>;
  expect(ELEMENTS.has(v.type as string), `element ${String(v.type)}`).toBe(true);
  for (const key of Object.keys(v.props)) expect(['children', 'href', 'target', 'rel', 'class']).toContain(key);
  if (v.type === 'a') {
    expect(v.props.href).toMatch(/^https?:\/\/[^\s<>"]+$/i);
    expect(v.props.rel).toBe('noopener noreferrer nofollow');
    expect(v.props.target).toBe('_blank');
  }
  check(v.props.children);
}

function r(text: string, me = 'zoe'): string {
  const out = rich(text, me);
  check(out);
  return html(out);
}

/** The text a reader sees, the elements removed: nothing typed may be lost or added (but a fence's and a quote's marks). */
function textOf(children: ComponentChildren): string {
  if (Array.isArray(children)) return children.map(textOf).join('');
  if (typeof children === 'string') return children;
  return textOf((children as VNode<{ children: ComponentChildren }>).props.children);
}

describe('message text', () => {
  it('plain text stays one text node, line breaks included', () => {
    expect(rich('hello\nworld', 'zoe')).toEqual(['hello\nworld']);
    expect(rich('', 'zoe')).toEqual([]);
  });

  it('bold, italic and inline code', () => {
    expect(r('a **b** c')).toBe('a <strong>b</strong> c');
    expect(r('a *b* _c_')).toBe('a <em>b</em> <em>c</em>');
    expect(r('use `x = *y*` here')).toBe('use <code>x = *y*</code> here');
    expect(r('**bold _and italic_**')).toBe('<strong>bold <em>and italic</em></strong>');
    expect(r('*it **bold** it*')).toBe('<em>it <strong>bold</strong> it</em>');
  });

  it('leaves marks that do not open or close anything as text', () => {
    expect(r('2 * 3 * 4')).toBe('2 * 3 * 4');
    expect(r('snake_case_name and __init__')).toBe('snake_case_name and __init__');
    expect(r('**')).toBe('**');
    expect(r('** not bold **')).toBe('** not bold **');
    expect(r('a `b')).toBe('a `b');
    expect(r('*a\nb*')).toBe('*a\nb*');
    expect(r('``')).toBe('``');
  });

  it('links: http and https only, trailing punctuation left out, parentheses balanced', () => {
    expect(r('see https://example.org/a?b=1.')).toBe(
      'see <a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">https://example.org/a?b=1</a>.',
    );
    expect(r('(http://x.org/y), ok')).toBe('(<a href="http://x.org/y" target="_blank" rel="noopener noreferrer nofollow">http://x.org/y</a>), ok');
    expect(r('https://en.wikipedia.org/wiki/Tea_(drink)!')).toContain('href="https://en.wikipedia.org/wiki/Tea_(drink)"');
    expect(r('**https://x.org**')).toBe('<strong><a href="https://x.org" target="_blank" rel="noopener noreferrer nofollow">https://x.org</a></strong>');
    expect(r('ftp://x.org www.x.org mailto:a@b.c https:// http://...')).toBe('ftp://x.org www.x.org mailto:a@b.c https:// http://...');
    expect(r('xhttps://x.org')).toBe('xhttps://x.org');
  });

  it('code blocks and quotes', () => {
    expect(r('look:\n```js\nif (a < b) **x**\n```\nafter')).toBe('look:<pre><code>if (a &lt; b) **x**</code></pre>after');
    expect(r('```\nnever closed\n> no quote')).toBe('<pre><code>never closed\n> no quote</code></pre>');
    expect(r('> quoted *it*\n>\n> more\nreply')).toBe('<blockquote>quoted <em>it</em>\n\nmore</blockquote>reply');
    expect(r('>_> not a quote')).toBe('>_> not a quote');
  });

  it('mentions: the protocol rule, yours stand out', () => {
    expect(r('hi @Zoe and @bob.')).toBe('hi <span class="mention me">@Zoe</span> and <span class="mention">@bob</span>.');
    expect(r('mail@example.com @ab @x_y-z')).toBe('mail@example.com @ab <span class="mention">@x_y-z</span>');
    expect(r('`@bob` **@bob**')).toBe('<code>@bob</code> <strong><span class="mention">@bob</span></strong>');
    // what is highlighted is exactly what the protocol counts as a mention
    const samples = [
      '@bob @bob.smith. x@bob _@bob @b.o.b @bob...!',
      '@élan @a1 (@carl) @dave-',
      '.@eve -@fay @gus@hal 𝐀@ida',
      `@${'a'.repeat(33)} @${'b'.repeat(32)}`,
    ];
    for (const text of samples) {
      const shown = [...r(text).matchAll(/<span class="mention[^"]*">@([^<]+)</g)].map((m) => m[1]!.toLowerCase());
      expect([...new Set(shown)], text).toEqual(mentionsIn(text));
    }
  });

  it('XSS attempts are text', () => {
    const attacks = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[click](javascript:alert(1))',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1) data:text/html,<b>x</b>',
      '&lt;script&gt; &#106;avascript:alert(1) &amp;',
      '**<b>bold</b>** `<i>code</i>`',
      '"><svg onload=alert(1)>',
      'https://x.org/"onmouseover="alert(1)',
      'https://x.org/<script>',
    ];
    for (const text of attacks) {
      const out = rich(text, 'zoe');
      check(out);
      expect(textOf(out).replace(/[*`]/g, ''), text).toBe(text.replace(/[*`]/g, ''));
      for (const m of html(out).matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^https:\/\/x\.org\/?$/);
    }
    expect(r('[click](javascript:alert(1))')).toBe('[click](javascript:alert(1))');
    expect(r('<script>alert(1)</script>')).toBe('&lt;script>alert(1)&lt;/script>');
    expect(r('&#106;avascript:x')).toBe('&amp;#106;avascript:x');
  });

  it('keeps every typed character but the block marks', () => {
    const text = 'a **b** _c_ `d` https://e.org/f. @ghi\n> j\nk';
    expect(textOf(rich(text, 'zoe'))).toBe('a b c d https://e.org/f. @ghijk');
  });

  it('is linear on adversarial input (counted steps, not time)', () => {
    const inputs = (n: number) => [
      '*'.repeat(n),
      '_'.repeat(n),
      '`'.repeat(n),
      '*a'.repeat(n / 2),
      '**a '.repeat(n / 4),
      '_a '.repeat(n / 3),
      '**_'.repeat(n / 3),
      '*_`'.repeat(n / 3),
      '** _* `'.repeat(n / 7),
      'http://'.repeat(n / 7),
      `http://${'.'.repeat(n - 7)}`,
      '(https://x.org/'.repeat(n / 15) + ')'.repeat(n / 2),
      '@'.repeat(n),
      '@abc'.repeat(n / 4),
      '> '.repeat(n / 2),
      '```\n'.repeat(n / 4),
      '> *a\n'.repeat(n / 5),
      `*${'\n*'.repeat(n / 2)}`,
    ];
    const big = inputs(TEXT_MAX);
    const small = inputs(TEXT_MAX / 4);
    big.forEach((text, k) => {
      steps.n = 0;
      rich(text, 'zoe');
      const large = steps.n;
      steps.n = 0;
      rich(small[k]!, 'zoe');
      expect(large, text.slice(0, 12)).toBeLessThanOrEqual(12 * text.length);
      // four times the text, at most about four times the work
      expect(large, text.slice(0, 12)).toBeLessThanOrEqual(4.5 * Math.max(steps.n, 1) + 50);
    });
  });
});
