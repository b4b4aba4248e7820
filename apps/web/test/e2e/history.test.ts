import { expect, it } from 'vitest';
import { describeBrowser, joinRoom, noProblems, online, registerInUi, screenshot, sentTexts, uniqueName, useWebStack } from './harness.js';

describeBrowser('history in the browser', () => {
  // seeding sends 120 messages at once: lift the per-user send rate for this file
  const web = useWebStack({ chatStore: { sendRatePerSecond: 10_000, sendBurst: 10_000 } });

  it('shows the newest page first and loads older pages as you scroll up, each message once and in order', async () => {
    const room = uniqueName('hist');
    const seeder = await web().nodeUser(uniqueName('seed'));
    await seeder.request('room.create', { name: room });
    for (let i = 1; i <= 120; i++) await seeder.request('chat.send', { c: room, x: `message ${i}` });

    const { page, problems } = await web().context();
    await registerInUi(page, uniqueName('reader'));
    await online(page);
    await joinRoom(page, room);
    await page.locator('.msg .text', { hasText: 'message 120' }).waitFor();
    const first = await sentTexts(page);
    expect(first.length).toBeLessThan(120);
    expect(first.at(-1)).toBe('message 120');
    expect(await page.locator('.start').count()).toBe(0);

    // scroll to the top until the start of the conversation shows
    const scroller = page.locator('.messages');
    for (let round = 0; round < 10 && (await page.locator('.start').count()) === 0; round++) {
      const before = await page.locator('.msg[data-state="sent"]').count();
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(async () => (await page.locator('.msg[data-state="sent"]').count()) > before || (await page.locator('.start').count()) > 0).toBe(true);
    }
    await page.locator('.start', { hasText: 'This is the start of the conversation.' }).waitFor();
    expect(await sentTexts(page)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));
    // the older page came in above without throwing the reader to the bottom
    expect(await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeGreaterThan(200);
    await screenshot(page, 'history-paged');
    noProblems(problems);
  });

  it('opens a conversation at the new-message line when many messages came since the last read', async () => {
    const room = uniqueName('busy');
    const seeder = await web().nodeUser(uniqueName('seed'));
    await seeder.request('room.create', { name: room });
    for (let i = 1; i <= 30; i++) await seeder.request('chat.send', { c: room, x: `old ${i}` });

    const { page, problems } = await web().context();
    await registerInUi(page, uniqueName('back'));
    await online(page);
    await joinRoom(page, room);
    await page.locator('.msg .text', { hasText: 'old 30' }).waitFor();
    await page.getByRole('link', { name: 'Back to conversations' }).or(page.locator('a.brand')).first().click();
    await page.locator('.conversation').waitFor({ state: 'detached' });

    for (let i = 1; i <= 60; i++) await seeder.request('chat.send', { c: room, x: `new ${i}` });
    await page.locator(`.conv[data-ref="${room}"] .badge`, { hasText: '60' }).waitFor();
    await page.locator(`.conv[data-ref="${room}"]`).click();
    const line = page.locator('.new-line');
    await line.waitFor();
    // the line is on screen (not scrolled past to the bottom), and "new 1" comes right after it
    const box = await line.boundingBox();
    const view = await page.locator('.messages').boundingBox();
    expect(box && view && box.y >= view.y && box.y + box.height <= view.y + view.height).toBe(true);
    expect(await page.locator('.new-line + li .text').textContent()).toBe('new 1');
    await page.locator(`.conv[data-ref="${room}"] .badge`).waitFor({ state: 'detached' });
    await screenshot(page, 'history-new-line');
    noProblems(problems);
  });
});
