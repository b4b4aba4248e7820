import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeFile = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let source: Promise<string> | undefined;

export interface AxeProblem {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (WCAG 2.x A/AA rules and axe's best practices) and returns the
 * serious and critical violations. The script goes in through the DevTools protocol
 * (`page.evaluate`), which the page's `script-src 'self'` policy does not apply to, so the
 * page is tested with its real policy.
 */
export async function seriousViolations(page: Page): Promise<AxeProblem[]> {
  source ??= readFile(axeFile, 'utf8');
  const code = await source;
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(code);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{ violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}
