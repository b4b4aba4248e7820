import { connectGuest } from '@tidings/client';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { PASSWORD, describeBrowser, noProblems, registerInUi, screenshot, uniqueName, useWebStack } from './harness.js';

/** Where the sign-in screen's parts are drawn, to compare before and after the app takes over. */
function layout(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => {
    const boxes: Record<string, number[]> = {};
    const parts = ['h1', '.tagline', '.tabs button', 'label[for=username]', '#username', '#password', 'button[type=submit]', '.below button'];
    for (const selector of parts) {
      document.querySelectorAll(selector).forEach((el, i) => {
        const r = el.getBoundingClientRect();
        boxes[`${selector} ${i}`] = [r.x, r.y, r.width, r.height].map((n) => Math.round(n));
      });
    }
    return boxes;
  });
}

describeBrowser('the first load', () => {
  const web = useWebStack();

  it('shows the sign-in form from HTML and CSS alone, takes typing before the JavaScript runs, and the app keeps it', async () => {
    const username = uniqueName('early');
    const guest = await connectGuest({ url: web().stack.url });
    await guest.request('auth.register', { username, password: PASSWORD });
    await guest.close();

    const { page, problems } = await web().context({ open: false });
    // hold back every script until the form has been used
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const waiting: string[] = [];
    await page.route(/\/assets\/[^/]+\.js$/, async (route) => {
      waiting.push(new URL(route.request().url()).pathname);
      await held;
      await route.continue();
    });
    const posts: string[] = [];
    page.on('request', (r) => r.method() !== 'GET' && posts.push(`${r.method()} ${r.url()}`));

    await page.goto(web().url, { waitUntil: 'commit' });
    const form = page.locator('form[aria-label="Sign in"]');
    await form.waitFor();
    const submit = form.locator('button[type=submit]');
    expect(await submit.textContent()).toBe('Loading…');
    expect(await submit.isDisabled()).toBe(true);
    await expect.poll(() => waiting.some((p) => /\/assets\/index-[^/]+\.js$/.test(p))).toBe(true); // the app is asked for, and held
    // styled by the app's stylesheet, which does not wait for the scripts either
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.querySelector('main.auth')!).maxWidth)).toBe('400px');
    const before = await layout(page);
    await screenshot(page, 'first-load-static-form');

    // the username has the focus (autofocus); type into both inputs, then try Enter
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD.slice(0, 7));
    await page.keyboard.press('Enter'); // the submit button is disabled: no implicit submission
    expect(await submit.textContent()).toBe('Loading…');

    release();
    await form.locator('button[type=submit]', { hasText: 'Sign in' }).waitFor();
    expect(await submit.isDisabled()).toBe(false);
    expect(await page.locator('#username').inputValue()).toBe(username);
    expect(await page.locator('#password').inputValue()).toBe(PASSWORD.slice(0, 7));
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    expect(await layout(page)).toEqual(before); // no jump
    expect(await page.locator('main.auth').count()).toBe(1);

    // typing goes on where it stopped, and the app signs in with it
    await page.keyboard.type(PASSWORD.slice(7));
    expect(await page.locator('#password').inputValue()).toBe(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('.me', { hasText: username }).waitFor();
    expect(posts).toEqual([]);
    noProblems(problems);
  });

  it('goes straight to the chat when a session is saved', async () => {
    const { page, problems } = await web().context();
    const username = uniqueName('back');
    await registerInUi(page, username);
    await page.reload();
    await page.locator('.me', { hasText: username }).waitFor();
    expect(await page.locator('main.auth').count()).toBe(0);
    noProblems(problems);
  });
});
