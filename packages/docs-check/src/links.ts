// The links of the repository's Markdown, checked without the network: a relative link names a
// file or folder that exists, an #anchor names a heading of the Markdown file it points at (by
// GitHub's rules for heading ids), and a web address is well-formed (it is never fetched).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The id GitHub gives a heading, as github-slugger computes it: lower case, every character that
 * is not a letter, mark, digit, connector (`_`), space or hyphen removed, spaces turned into
 * hyphens. A repeated id gets `-1`, `-2`, … (see {@link Slugger}).
 */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Ids for one document's headings in order: the second "Tests" heading is `tests-1`. */
export class Slugger {
  private readonly seen = new Set<string>();
  next(text: string): string {
    const base = slug(text);
    let id = base;
    for (let n = 1; this.seen.has(id); n++) id = `${base}-${n}`;
    this.seen.add(id);
    return id;
  }
}

/** The text GitHub renders for a heading's Markdown: code spans, links, emphasis and HTML tags reduced to their text. */
export function headingText(markdown: string): string {
  return markdown
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(\*{1,3}|\b_{1,3})(\S(?:.*?\S)?)\1(?!\w)/g, '$2')
    .trim();
}

/** The lines of a Markdown document outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { line: string; no: number }[] {
  const out: { line: string; no: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((line, i) => {
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (opening && opening[1]!.startsWith(fence) && line.trim().replace(/^[`~]+/, '') === '') fence = undefined;
      return;
    }
    if (opening) {
      fence = opening[1]!;
      return;
    }
    out.push({ line, no: i + 1 });
  });
  return out;
}

/** Every anchor a Markdown document offers: its headings' ids (ATX and setext) and explicit `<a id>`/`<a name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new Slugger();
  const anchors = new Set<string>();
  const lines = proseLines(markdown);
  lines.forEach(({ line, no }, i) => {
    const atx = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line);
    if (atx) anchors.add(slugger.next(headingText(atx[1] ?? '')));
    else {
      const next = lines[i + 1];
      if (next && next.no === no + 1 && line.trim() !== '' && /^ {0,3}(=+|-+)\s*$/.test(next.line) && !/^\s*([-*+]|\d+[.)])\s/.test(line))
        anchors.add(slugger.next(headingText(line)));
    }
    for (const m of line.matchAll(/<a\s[^>]*\b(?:id|name)=["']([^"']+)["']/gi)) anchors.add(m[1]!);
  });
  return anchors;
}

export interface Link {
  /** As written in the document. */
  target: string;
  /** 1-based line number. */
  line: number;
}

/** The links of a Markdown document (inline, images, reference definitions, HTML href/src), code blocks and code spans left out. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { line, no } of proseLines(markdown)) {
    const prose = line.replace(/(`+)(?:(?!\1).)+\1/g, (m) => ' '.repeat(m.length));
    const def = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(prose);
    if (def) {
      links.push({ target: def[1]!, line: no });
      continue;
    }
    // [text](target "title") — the text may hold one level of brackets (an image inside a link).
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+["'(][^)]*)?\)/g)) {
      const target = m[1]!.replace(/^<|>$/g, '');
      links.push({ target, line: no });
    }
    for (const m of prose.matchAll(/<(?:a|img)\s[^>]*\b(?:href|src)=["']([^"']*)["']/gi)) links.push({ target: m[1]!, line: no });
    for (const m of prose.matchAll(/<(https?:\/\/[^>\s]+)>/g)) links.push({ target: m[1]!, line: no });
  }
  return links;
}

/** Whether a web address would work as a link: http(s), a host, no spaces or stray brackets. */
export function isWellFormedUrl(target: string): boolean {
  if (/[\s<>"`]/.test(target)) return false;
  try {
    const url = new URL(target);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.includes('.') && !url.hostname.endsWith('.');
  } catch {
    return false;
  }
}

export interface Problem {
  /** The document, relative to the root. */
  file: string;
  line: number;
  target: string;
  problem: string;
}

/**
 * Checks every link of the given Markdown files (paths relative to `root`). A link starting with
 * `/` is taken from the root, as GitHub does in a repository; `mailto:` links are accepted.
 */
export function checkLinks(root: string, files: readonly string[]): Problem[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (file: string) => {
    let anchors = anchorCache.get(file);
    if (!anchors) anchorCache.set(file, (anchors = anchorsOf(readFileSync(file, 'utf8'))));
    return anchors;
  };
  const problems: Problem[] = [];
  for (const file of files) {
    const full = path.join(root, file);
    for (const { target, line } of linksOf(readFileSync(full, 'utf8'))) {
      const report = (problem: string) => problems.push({ file, line, target, problem });
      if (target === '') {
        report('empty link');
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        if (/^https?:/i.test(target)) {
          if (!isWellFormedUrl(target)) report('malformed web address');
        } else if (!/^mailto:[^@\s]+@[^@\s]+$/i.test(target)) report('unknown scheme (only http, https and mailto are accepted)');
        continue;
      }
      const hash = target.indexOf('#');
      const rawPath = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? undefined : target.slice(hash + 1);
      let decoded: string;
      try {
        decoded = decodeURIComponent(rawPath.split('?')[0]!);
      } catch {
        report('malformed percent-encoding');
        continue;
      }
      const resolved = decoded === '' ? full : decoded.startsWith('/') ? path.join(root, decoded) : path.resolve(path.dirname(full), decoded);
      if (path.relative(root, resolved).startsWith('..')) {
        report('points outside the repository');
        continue;
      }
      if (!existsSync(resolved)) {
        report(`no such file or folder: ${path.relative(root, resolved)}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!statSync(resolved).isFile() || !resolved.endsWith('.md')) {
        // GitHub's line anchors (#L10, #L10-L20) into a source file.
        if (!/^L\d+(-L\d+)?$/.test(anchor)) report(`#${anchor} is not a line anchor (#L10) and ${path.relative(root, resolved)} is not Markdown`);
        continue;
      }
      let id: string;
      try {
        id = decodeURIComponent(anchor);
      } catch {
        report('malformed percent-encoding in the anchor');
        continue;
      }
      if (!anchorsIn(resolved).has(id)) report(`no heading with the id "${id}" in ${path.relative(root, resolved)}`);
    }
  }
  return problems;
}

/** The Markdown this repository documents itself with: README.md, docs/ (all of it), and every app's, package's and infra's README. */
export function documentedFiles(root: string): string[] {
  const files: string[] = [];
  const add = (rel: string) => {
    if (existsSync(path.join(root, rel))) files.push(rel);
  };
  add('README.md');
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) files.push(rel);
    }
  };
  if (existsSync(path.join(root, 'docs'))) walk('docs');
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(path.join(root, group)).sort()) add(path.join(group, name, 'README.md'));
  }
  add('bench/README.md');
  add('infra/README.md');
  return files;
}
