import { createLink, profiles, scaleProfile, type Link } from '@tidings/linksim';
import { afterEach, expect, it } from 'vitest';
import { createRoom, describeBrowser, joinRoom, noProblems, online, registerInUi, send, sentTexts, uniqueName, useWebStack } from './harness.js';

/**
 * The web app in Chromium with the page and its WebSocket through the link simulator
 * (@tidings/linksim), time-scaled: offline, then flaky (cuts and stalls), then a good link. What
 * was written meanwhile is never shown as failed and arrives exactly once, in order. The
 * full-length profiles run in `pnpm bench --only link`.
 */
describeBrowser('the web app on a bad link', () => {
  const web = useWebStack();
  let link: Link | undefined;
  afterEach(async () => {
    await link?.close();
    link = undefined;
  });

  it('goes offline → flaky → online without a failed message, delivering each exactly once, in order', async () => {
    link = await createLink({ target: { port: web().stack.broker.httpPort }, profile: profiles.none, seed: 3 });
    const a = await web().context({ open: false });
    await a.page.goto(`http://127.0.0.1:${link.port}/`);
    const b = await web().context();
    const nameA = uniqueName('vera');
    await registerInUi(a.page, nameA);
    await registerInUi(b.page, uniqueName('walt'));
    await online(a.page);
    await online(b.page);
    const room = uniqueName('tunnel');
    await createRoom(a.page, room);
    await joinRoom(b.page, room);

    // offline: the link refuses every connection; what is written waits, and says so
    link.setOffline(true);
    await a.page.locator('.banner.offline').waitFor();
    const offline = ['in the tunnel 1', 'in the tunnel 2', 'in the tunnel 3'];
    for (const t of offline) await send(a.page, t);
    await expect.poll(() => a.page.locator('.msg.outgoing .status').allTextContents()).toEqual(Array(3).fill('Waiting for the connection…'));

    // flaky: 100 ms each way, cuts every 1–3 s, 2 s stalls — more is written meanwhile
    link.setProfile(scaleProfile(profiles.flaky, 0.1));
    link.setOffline(false);
    const flaky = ['on a bad line 1', 'on a bad line 2', 'on a bad line 3'];
    for (const t of flaky) {
      await send(a.page, t);
      await new Promise((r) => setTimeout(r, 700));
    }
    // never "Not sent" for a link that is merely bad
    expect(await a.page.locator('.msg.outgoing[data-state="failed"]').count()).toBe(0);

    // online again
    link.setProfile(profiles.none);
    const expected = [...offline, ...flaky];
    await expect.poll(() => sentTexts(b.page), { timeout: 30_000 }).toEqual(expected);
    await expect.poll(() => a.page.locator('.msg.outgoing').count(), { timeout: 30_000 }).toBe(0);
    expect(await sentTexts(a.page)).toEqual(expected);

    // the server holds each exactly once
    const reader = await web().nodeUser(uniqueName('audit'));
    const history = await reader.request('chat.history', { c: room, limit: 100 });
    expect(history.messages.map((m) => m.x)).toEqual(expected);
    expect(history.messages.every((m) => m.u === nameA)).toBe(true);
    noProblems(a.problems);
    noProblems(b.problems);
  });
});
