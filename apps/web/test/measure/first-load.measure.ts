import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectGuest } from '@tidings/client';
import type { Page } from 'playwright-core';
import { it } from 'vitest';
import { PASSWORD, RESULTS, describeBrowser, uniqueName, useWebStack } from '../e2e/harness.js';
import { createLink, profiles, scaleProfile, type Link } from '@tidings/linksim';

/**
 * The first load through a simulated link (@tidings/linksim; the `calm` profile, 2 s RTT and
 * 64 kbit/s each way, or LINK_PROFILE and LINK_SCALE), measured in Chromium against the built
 * app and the real services:
 *   A  a first visit: when the sign-in form is painted, when the app is ready (its own sign-in
 *      button), then signing in at once: when it is connected; bytes each way, the service
 *      worker's precache included;
 *   B  a returning visitor with a saved session but an empty cache: when it is connected.
 * `pnpm bench --only link` runs it (or by hand: `pnpm --filter @tidings/web measure:first-load`,
 * after a build); it prints the figures and writes them to test-results/first-load.json (or
 * FIRST_LOAD_OUT).
 */
const base = profiles[(process.env.LINK_PROFILE ?? 'calm') as keyof typeof profiles] ?? profiles.calm;
const PROFILE = scaleProfile(base, Number(process.env.LINK_SCALE ?? 1));
const LONG = { timeout: 300_000, polling: 50 };
const bytes = (link: Link) => ({ down: link.stats.down, up: link.stats.up });

/** performance.now() in the page at the moment `selector` exists (and has `text`, if given). */
async function when(page: Page, selector: string, text?: string): Promise<number> {
  const handle = await page.waitForFunction(
    ([s, t]) => {
      const el = document.querySelector(s);
      return el && (t === undefined || el.textContent === t) ? performance.now() : 0;
    },
    [selector, text] as const,
    LONG,
  );
  return await handle.jsonValue();
}

describeBrowser('the first load through a slow link', () => {
  const web = useWebStack();

  it('measures', async () => {
    const target = { port: web().stack.broker.httpPort };
    let link = await createLink({ target, profile: PROFILE, seed: 1 });
    const url = `http://127.0.0.1:${link.port}/`;
    const username = uniqueName('slow');
    const guest = await connectGuest({ url: web().stack.url });
    await guest.request('auth.register', { username, password: PASSWORD });
    await guest.close();

    const a = await web().context({ open: false });
    await a.page.goto(url, { waitUntil: 'commit', timeout: LONG.timeout });
    const painted = (await (
      await a.page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime, undefined, LONG)
    ).jsonValue()) as number;
    const ready = await when(a.page, 'form button[type=submit]', 'Sign in');
    const byReady = bytes(link);
    await a.page.locator('#username').fill(username);
    await a.page.locator('#password').fill(PASSWORD);
    const clicked = await a.page.evaluate(() => performance.now());
    await a.page.locator('form button[type=submit]').click();
    const connected = await when(a.page, '.me .dot.on');
    await a.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      while (!(await caches.keys()).some((k) => k.startsWith('tidings-'))) await new Promise((r) => setTimeout(r, 100));
    });
    await new Promise((r) => setTimeout(r, 6 * PROFILE.delayMs)); // what is still on its way
    const visit = bytes(link);
    const resources = await a.page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => {
        const r = e as PerformanceResourceTiming;
        return { url: new URL(r.name).pathname, start: Math.round(r.startTime), end: Math.round(r.responseEnd), bytes: r.transferSize };
      }),
    );
    const saved = await a.context.storageState();
    await a.context.close();

    // A fresh link on the same port (the same origin: the saved session is in its storage).
    const port = link.port;
    await link.close();
    link = await createLink({ target, profile: PROFILE, seed: 2, port });
    const context = await web().browser.newContext({ storageState: saved });
    const b = await context.newPage();
    await b.goto(url, { waitUntil: 'commit', timeout: LONG.timeout });
    const savedConnected = await when(b, '.me .dot.on');
    await context.close();
    await link.close();

    const figures = {
      link: { profile: PROFILE.name, rttMs: 2 * PROFILE.delayMs, bitsPerSecond: PROFILE.bandwidthBps },
      firstVisit: { paintedMs: painted, readyMs: ready, byReady, signInToConnectedMs: connected - clicked, connectedMs: connected, visit, resources },
      savedSession: { connectedMs: savedConnected },
    };
    await mkdir(RESULTS, { recursive: true });
    await writeFile(process.env.FIRST_LOAD_OUT ?? path.join(RESULTS, 'first-load.json'), JSON.stringify(figures, null, 2));
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      [
        `link: ${PROFILE.name}, ${2 * PROFILE.delayMs} ms RTT, ${PROFILE.bandwidthBps / 1000} kbit/s each way`,
        `first visit: sign-in form painted ${s(painted)}, app ready ${s(ready)} (${kb(byReady.down)} down, ${kb(byReady.up)} up so far)`,
        `  signed in at once: connected ${s(connected)}, ${s(connected - clicked)} after the click`,
        `  whole visit, service worker precache included: ${kb(visit.down)} down, ${kb(visit.up)} up`,
        ...resources.map((r) => `    ${r.url}  ${s(r.start)} → ${s(r.end)}, ${r.bytes} B`),
        `saved session, empty cache: connected ${s(savedConnected)}`,
      ].join('\n'),
    );
  }, 600_000);
});
