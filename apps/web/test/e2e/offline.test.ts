import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createRoom, describeBrowser, joinRoom, noProblems, online, registerInUi, screenshot, send, sentTexts, uniqueName, useWebStack } from './harness.js';

/** Waits until the service worker controls the page and has cached the app shell. */
async function shellCached(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const keys = await caches.keys();
      if (keys.some((k) => k.startsWith('tidings-'))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the app shell was not cached');
  });
}

describeBrowser('a bad connection', () => {
  const web = useWebStack();

  it('keeps three messages written offline (across a reload) and delivers each exactly once when the link returns', async () => {
    const a = await web().context();
    const b = await web().context();
    const nameA = uniqueName('oli');
    await registerInUi(a.page, nameA);
    await registerInUi(b.page, uniqueName('pia'));
    await online(a.page);
    await online(b.page);
    const room = uniqueName('flaky');
    await createRoom(a.page, room);
    await joinRoom(b.page, room);
    await send(a.page, 'before the tunnel');
    await b.page.locator('.msg .text', { hasText: 'before the tunnel' }).waitFor();
    await shellCached(a.page);

    await a.context.setOffline(true);
    await a.page.locator('.banner.offline', { hasText: 'You are offline.' }).waitFor();
    for (const text of ['one', 'two', 'three']) await send(a.page, `offline ${text}`);
    await expect.poll(() => a.page.locator('.msg.outgoing .status').allTextContents()).toEqual(Array(3).fill('Waiting for the connection…'));
    await a.page.locator('.banner', { hasText: '3 messages will be sent when the connection returns.' }).waitFor();

    // still offline, the page is reloaded: the outbox and the history come back from storage
    await a.page.reload();
    await a.page.locator('.msg .text', { hasText: 'before the tunnel' }).waitFor();
    expect(await a.page.locator('.msg.outgoing .text').allTextContents()).toEqual(['offline one', 'offline two', 'offline three']);
    expect(await b.page.locator('.msg .text', { hasText: /^offline/ }).count()).toBe(0);

    await a.context.setOffline(false);
    await a.page.locator('.banner').waitFor({ state: 'detached' });
    await expect.poll(() => a.page.locator('.msg.outgoing').count()).toBe(0);
    const expected = ['before the tunnel', 'offline one', 'offline two', 'offline three'];
    await expect.poll(() => sentTexts(b.page)).toEqual(expected);
    expect(await sentTexts(a.page)).toEqual(expected);

    // the server holds each exactly once
    const reader = await web().nodeUser(uniqueName('audit'));
    const history = await reader.request('chat.history', { c: room, limit: 100 });
    expect(history.messages.map((m) => m.x)).toEqual(expected);
    expect(history.messages.map((m) => m.u)).toEqual(Array(4).fill(nameA));

    await screenshot(a.page, 'offline-delivered-a');
    await screenshot(b.page, 'offline-delivered-b');
    noProblems(a.problems);
    noProblems(b.problems);
  });

  it('shows the cached conversation after a reload without a network, then catches up on what was missed', async () => {
    const a = await web().context();
    await registerInUi(a.page, uniqueName('quin'));
    await online(a.page);
    const room = uniqueName('cache');
    await createRoom(a.page, room);
    for (const text of ['first words', 'second words']) await send(a.page, text);
    await expect.poll(() => sentTexts(a.page)).toEqual(['first words', 'second words']);
    await shellCached(a.page);

    await a.context.setOffline(true);
    await a.page.reload();
    await a.page.locator('.banner.offline').waitFor();
    await expect.poll(() => sentTexts(a.page)).toEqual(['first words', 'second words']);
    await screenshot(a.page, 'offline-reload-cached');

    // meanwhile someone else writes; back online, the gap is filled
    const other = await web().nodeUser(uniqueName('rex'));
    await other.request('room.join', { name: room });
    await other.request('chat.send', { c: room, x: 'written while you were away' });
    await a.context.setOffline(false);
    await expect.poll(() => sentTexts(a.page), { timeout: 30_000 }).toEqual(['first words', 'second words', 'written while you were away']);
    noProblems(a.problems);
  });

  it('receives the edits, deletions and likes made while it was away (closed, reopened offline), queued by the broker for this device', async () => {
    const a = await web().context();
    const b = await web().context();
    await registerInUi(a.page, uniqueName('sal'));
    await registerInUi(b.page, uniqueName('tom'));
    await online(a.page);
    await online(b.page);
    const room = uniqueName('away');
    await createRoom(a.page, room);
    await joinRoom(b.page, room);
    for (const text of ['to be edited', 'to be deleted', 'to be liked']) await send(a.page, text);
    await expect.poll(() => sentTexts(b.page)).toEqual(['to be edited', 'to be deleted', 'to be liked']);
    await shellCached(b.page);

    // B's page is reloaded without a network: when it connects again, its first connection
    // receives the events the broker queued for its persistent session right after CONNACK
    await b.context.setOffline(true);
    await b.page.reload();
    await b.page.locator('.banner.offline').waitFor();
    const mine = (text: string) => a.page.locator('.msg.own', { hasText: text });
    await mine('to be edited').getByRole('button', { name: 'Edit' }).click();
    await a.page.getByLabel('Edit your message').fill('edited while you were away');
    await a.page.getByLabel('Edit your message').press('Enter');
    await mine('edited while you were away').locator('.edited').waitFor();
    await mine('to be deleted').getByRole('button', { name: 'Delete' }).click();
    await a.page.getByRole('button', { name: 'Delete it' }).click();
    await a.page.locator('.msg.deleted').waitFor();
    await mine('to be liked').getByRole('button', { name: 'React', exact: true }).click();
    await mine('to be liked').getByRole('button', { name: 'React ❤️' }).click();
    await mine('to be liked').getByRole('button', { name: '❤️ 1, yours: take it back' }).waitFor();

    await b.context.setOffline(false);
    await b.page.locator('.banner').waitFor({ state: 'detached' });
    await expect.poll(() => sentTexts(b.page)).toEqual(['edited while you were away', 'This message was deleted.', 'to be liked']);
    await b.page.locator('.msg', { hasText: 'to be liked' }).getByRole('button', { name: '❤️ 1', exact: true }).waitFor();
    await screenshot(b.page, 'offline-queued-events');
    noProblems(a.problems);
    noProblems(b.problems);
  });
});
