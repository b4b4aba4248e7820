import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PASSWORD, createRoom, describeBrowser, noProblems, online, registerInUi, screenshot, send, uniqueName, useWebStack } from './harness.js';

/** The page never scrolls sideways: nothing is wider than the window. */
async function fitsWidth(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

describeBrowser('looks and manners', () => {
  const web = useWebStack();

  async function conversationWithContent(width: number, height: number) {
    const peer = await web().context();
    const peerName = uniqueName('sam');
    await registerInUi(peer.page, peerName);
    const me = await web().context({ width, height });
    const name = uniqueName('tess');
    await registerInUi(me.page, name);
    await online(me.page);
    const room = uniqueName('lounge');
    await createRoom(me.page, room);
    await peer.page.getByRole('link', { name: 'Rooms' }).click();
    await peer.page.getByRole('button', { name: `Join #${room}` }).click();
    await peer.page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
    await send(peer.page, 'Morning! Has anyone seen the notes from yesterday?');
    await me.page.locator('.msg .text', { hasText: 'Morning!' }).waitFor();
    await send(
      me.page,
      'Yes — they are in the shared folder. A long line to check wrapping on a narrow phone screen: https://example.org/a/very/long/link/that/should/wrap/rather/than/overflow',
    );
    await send(me.page, 'Short one.');
    await peer.page.locator('.msg .text', { hasText: 'Short one.' }).waitFor();
    await send(peer.page, 'Thanks!');
    await me.page.locator('.msg .text', { hasText: 'Thanks!' }).waitFor();
    return { me, peer, room, peerName };
  }

  it('is clean at 1280 px wide', async () => {
    const { me } = await conversationWithContent(1280, 800);
    await fitsWidth(me.page);
    await screenshot(me.page, 'layout-1280');
    noProblems(me.problems);
  });

  it('fits a 360 px phone: the list, then one conversation with a way back', async () => {
    const { me, room } = await conversationWithContent(360, 740);
    await fitsWidth(me.page);
    await screenshot(me.page, 'layout-360-conversation');
    // the list and the conversation are separate screens on a phone
    expect(await me.page.locator('.sidebar').isVisible()).toBe(false);
    await me.page.getByRole('link', { name: 'Back to conversations' }).click();
    await me.page.locator(`.conv[data-ref="${room}"]`).waitFor();
    expect(await me.page.locator('.conversation').count()).toBe(0);
    await fitsWidth(me.page);
    await screenshot(me.page, 'layout-360-list');
    await me.page.getByRole('link', { name: 'People' }).click();
    await me.page.locator('.row').first().waitFor();
    await fitsWidth(me.page);
    await screenshot(me.page, 'layout-360-people');
    noProblems(me.problems);
  });

  it('opens #general for a new account, ready to type: no joining first', async () => {
    const { page, problems } = await web().context();
    await registerInUi(page, uniqueName('nia'));
    await page.locator('#conv-title', { hasText: '#general' }).waitFor();
    await online(page);
    await page.locator('#composer').fill('hello, first words');
    await page.keyboard.press('Enter');
    await page.locator('.msg[data-state="sent"] .text', { hasText: 'hello, first words' }).waitFor();
    noProblems(problems);
  });

  it('works from the keyboard alone: sign in, open a conversation, send', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('uma');
    await registerInUi(page, name);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Username').waitFor();
    // the username field has the focus; Tab moves to the password; Enter submits
    await page.keyboard.type(name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('.me', { hasText: name }).waitFor();
    await online(page);
    // a new account is in #general: reach it in the conversation list by tabbing, open it, write
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      if (
        await page.evaluate(
          () => document.activeElement?.closest('nav.conversations') !== null && (document.activeElement?.textContent ?? '').includes('general'),
        )
      )
        break;
    }
    await page.keyboard.press('Enter');
    await page.locator('#conv-title', { hasText: '#general' }).waitFor();
    await page.locator('#composer').focus();
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await page.locator('.msg[data-state="sent"] .text', { hasText: 'typed without a mouse' }).waitFor();
    await screenshot(page, 'layout-keyboard');
    noProblems(problems);
  });
});
