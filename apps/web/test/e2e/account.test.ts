import { connectGuest } from '@tidings/client';
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { PASSWORD, describeBrowser, noProblems, online, registerInUi, screenshot, signInInUi, uniqueName, useWebStack } from './harness.js';

/** Both widths of each screen: a desktop and a small phone. */
async function bothWidths(page: import('playwright-core').Page, name: string, show?: import('playwright-core').Locator): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await show?.scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 360, height: 740 });
  await show?.scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-360`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describeBrowser('the account screens', () => {
  const web = useWebStack();

  it('names devices after the browser, renames one (refusing a bad name), and lists it so in the other browser', async () => {
    const name = uniqueName('ada');
    const first = await web().context();
    await registerInUi(first.page, name);
    const second = await web().context();
    await signInInUi(second.page, name);

    await first.page.getByRole('link', { name: 'Account' }).click();
    const rows = first.page.locator('[data-session]');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await first.page.locator('[data-session="current"] strong').textContent()).toBe('Chrome on Linuxthis browser');
    expect(await first.page.locator('[data-session="other"] strong').textContent()).toBe('Chrome on Linux');

    const other = first.page.locator('[data-session="other"]');
    await other.getByRole('button', { name: 'Rename Chrome on Linux' }).click();
    const input = first.page.getByLabel('Device name');
    expect(await input.inputValue()).toBe('Chrome on Linux');
    await input.fill('   ');
    await first.page.getByRole('button', { name: 'Save name' }).click();
    await first.page.getByRole('alert').filter({ hasText: 'cannot be empty' }).waitFor();
    await input.fill('x'.repeat(65));
    await first.page.getByRole('button', { name: 'Save name' }).click();
    await first.page.getByRole('alert').filter({ hasText: 'at most 64' }).waitFor();
    await input.fill('  Work laptop ');
    await first.page.getByRole('button', { name: 'Save name' }).click();
    await other.locator('strong', { hasText: 'Work laptop' }).waitFor();

    // the other browser sees its own new name
    await second.page.getByRole('link', { name: 'Account' }).click();
    await second.page.locator('[data-session="current"] strong', { hasText: 'Work laptop' }).waitFor();
    await bothWidths(first.page, 'account-devices', other);
    noProblems(first.problems);
    noProblems(second.problems);
  });

  it('names a session from before device names after this browser the first time Account opens', async () => {
    const name = uniqueName('old');
    const guest = await connectGuest({ url: web().stack.url });
    await guest.request('auth.register', { username: name, password: PASSWORD });
    // signed in the way the app did before: a device label and no name
    const r = await guest.request('auth.login', { username: name, password: PASSWORD, device: 'w-oldlabel' });
    const before = await guest.request('auth.login', { username: name, password: PASSWORD, device: 'w-another' });
    await guest.close();
    const { page, problems } = await web().context();
    await page.evaluate((saved) => localStorage.setItem('tidings:session', JSON.stringify(saved)), {
      username: r.username,
      token: r.token,
      sessionId: r.sessionId,
      expiresAt: r.expiresAt,
    });
    await page.reload();
    await online(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.locator('[data-session="current"] strong', { hasText: 'Chrome on Linux' }).waitFor();
    // the other old one is not this browser's to name: it reads "Web browser"
    expect(await page.locator('[data-session="other"] strong').textContent()).toBe('Web browser');
    const asUser = await web().nodeUser(name);
    const { sessions } = await asUser.request('auth.sessions', {});
    expect(sessions.find((s) => s.id === r.sessionId)?.name).toBe('Chrome on Linux');
    expect(sessions.find((s) => s.id === before.sessionId)?.name).toBeNull();
    noProblems(problems);
  });

  it('asks for the current password once: the question, then the codes without asking; codes copy and download', async () => {
    const name = uniqueName('bo');
    const { context, page, problems } = await web().context();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web().url });
    await registerInUi(page, name);
    await page.getByRole('link', { name: 'Account' }).click();
    // nothing asks before it is needed: only "Change password" has the input
    await page.locator('#current-password').waitFor();
    expect(await page.getByLabel('Current password').count()).toBe(1);

    await page.getByLabel('Answer').fill('blue');
    await page.getByRole('button', { name: 'Set security question' }).click();
    await page.locator('#security-current').waitFor();
    expect(await page.getByLabel('Current password').count()).toBe(2);
    await page.locator('#security-current').fill('wrong password!');
    await page.getByRole('button', { name: 'Set security question' }).click();
    await page.locator('#security-current-error', { hasText: 'not your current password' }).waitFor();
    await page.locator('#security-current').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set security question' }).click();
    await page.getByRole('status').filter({ hasText: 'Security question set.' }).waitFor();
    // given once: no other form asks now
    expect(await page.getByLabel('Current password').count()).toBe(0);

    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = await list.locator('li').allTextContents();
    expect(codes).toHaveLength(10);
    expect(await page.getByLabel('Current password').count()).toBe(0);

    await page.getByRole('button', { name: 'Copy codes' }).click();
    await page.getByText('Copied: paste them somewhere safe.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
    expect(download.suggestedFilename()).toBe(`tidings-recovery-codes-${name}.txt`);
    const text = await readFile(await download.path(), 'utf8');
    expect(text.split('\n').filter((l) => /^[0-9a-z]{5}-[0-9a-z]{5}$/.test(l))).toEqual(codes);
    expect(text).toContain(`Tidings recovery codes for ${name}`);
    await bothWidths(page, 'account-codes', page.getByRole('button', { name: 'Download .txt' }));

    // a password change with the password already given asks for none, and what is kept is the new one
    await page.getByLabel('New password', { exact: true }).fill('another fine secret');
    await page.getByLabel('New password again').fill('another fine secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    // a new set, made with the new password that the page kept
    await expect.poll(() => list.locator('li').first().textContent()).not.toBe(codes[0]);
    expect(await page.getByLabel('Current password').count()).toBe(0);
    noProblems(problems);
  });

  it('shows which way of recovery is chosen, as a radio group', async () => {
    const { page, problems } = await web().context();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Username').fill(uniqueName('cy'));
    await page.getByRole('button', { name: 'Next' }).click();
    const group = page.getByRole('group', { name: 'Reset with' });
    await group.waitFor();
    const question = group.getByRole('radio', { name: 'Security question' });
    const code = group.getByRole('radio', { name: 'Recovery code' });
    expect([await question.isChecked(), await code.isChecked()]).toEqual([true, false]);
    await bothWidths(page, 'recover-mode-question');
    await code.focus();
    await page.keyboard.press('Space');
    expect([await question.isChecked(), await code.isChecked()]).toEqual([false, true]);
    await page.getByRole('textbox', { name: 'Recovery code' }).waitFor();
    // the chosen one is drawn differently (filled), not only announced
    const bg = (label: string) =>
      group
        .locator('label', { hasText: label })
        .locator('span')
        .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg('Recovery code')).not.toBe(await bg('Security question'));
    await bothWidths(page, 'recover-mode-code');
    noProblems(problems);
  });

  it('says that usernames are lower-case while one is typed, and signs up as that name', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('dee');
    const typed = `${name[0]!.toUpperCase()}${name.slice(1)}`;
    await page.getByRole('button', { name: 'Create account' }).first().click();
    await page.getByLabel('Username').fill(typed);
    await page.locator('#username-hint', { hasText: `Usernames are lower-case: you will be “${name}”.` }).waitFor();
    await bothWidths(page, 'signup-lowercase');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).last().click();
    await page.locator('.me', { hasText: name }).waitFor();
    noProblems(problems);
  });
});

describeBrowser('notifications', () => {
  const web = useWebStack();

  it('counts unread messages in the title, and notifies of a DM and a mention only while hidden, after turning them on', async () => {
    const name = uniqueName('eli');
    const { context, page, problems } = await web().context({ open: false });
    await context.grantPermissions(['notifications'], { origin: web().url });
    // the test decides when the page is hidden; each notification and permission request is recorded
    await context.addInitScript(() => {
      const w = window as unknown as { __hidden: boolean; __shown: { title: string; body: string }[]; __asked: number };
      w.__hidden = false;
      w.__shown = [];
      w.__asked = 0;
      Object.defineProperty(document, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') });
      Object.defineProperty(document, 'hidden', { get: () => w.__hidden });
      const Real = window.Notification;
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__shown.push({ title, body: options?.body ?? '' });
        }
      }
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
      Recorded.requestPermission = (...args) => {
        w.__asked++;
        return Real.requestPermission(...args);
      };
      window.Notification = Recorded;
    });
    await page.goto(web().url);
    await registerInUi(page, name);
    await online(page);
    await page.goto(`${web().url}#`);
    await online(page);
    const hide = (hidden: boolean) =>
      page.evaluate((h) => {
        (window as unknown as { __hidden: boolean }).__hidden = h;
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    const shown = () => page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown);

    const friend = uniqueName('fox');
    const other = await web().nodeUser(friend);
    await other.request('room.join', { name: 'general' });

    // off by default: hidden, a DM arrives, nothing is shown (and nothing asked on load)
    await hide(true);
    await other.request('chat.send', { c: `@${name}`, x: 'first, before notifications' });
    await expect.poll(() => page.title()).toBe('(1) Tidings');
    expect(await shown()).toEqual([]);
    await hide(false);

    await page.getByRole('link', { name: 'Account' }).click();
    const toggle = page.getByRole('checkbox', { name: /Desktop notifications/ });
    expect(await toggle.isChecked()).toBe(false);
    expect(await page.evaluate(() => (window as unknown as { __asked: number }).__asked)).toBe(0);
    await toggle.check();
    expect(await toggle.isChecked()).toBe(true);
    await bothWidths(page, 'account-notifications', toggle);

    // visible: no notification
    await other.request('chat.send', { c: `@${name}`, x: 'while you look' });
    await expect.poll(() => page.title()).toBe('(2) Tidings');
    // hidden: a DM and a mention each give one
    await hide(true);
    await other.request('chat.send', { c: `@${name}`, x: 'are you there?' });
    await other.request('chat.send', { c: 'general', x: `ping @${name}` });
    await expect.poll(shown).toEqual([
      { title: friend, body: 'are you there?' },
      { title: `${friend} in #general`, body: `${friend} mentioned you in #general` },
    ]);
    await expect.poll(() => page.title()).toMatch(/^\(\d+\) Tidings$/);
    await hide(false);

    // turned off: nothing more
    await toggle.uncheck();
    await hide(true);
    await other.request('chat.send', { c: `@${name}`, x: 'after turning them off' });
    await expect.poll(() => page.title()).toMatch(/^\(\d+\) Tidings$/);
    await page.waitForTimeout(500);
    expect(await shown()).toHaveLength(2);
    noProblems(problems);
  });
});

describeBrowser('accessibility (axe-core)', () => {
  const web = useWebStack();

  it('has no serious or critical violations on the sign-in, sign-up, recovery, chat, rooms, people, members, search and account screens, at 1280 px (light) and 360 px (dark)', async () => {
    for (const width of [1280, 360]) {
      const { page, problems } = await web().context({ width, height: width === 360 ? 740 : 800 });
      await page.emulateMedia({ colorScheme: width === 360 ? 'dark' : 'light' });
      const found: Record<string, unknown> = {};
      const audit = async (screen: string) => {
        const v = await seriousViolations(page);
        if (v.length > 0) found[`${screen}@${width}`] = v;
      };
      await page.getByRole('button', { name: 'Sign in' }).last().waitFor();
      // the audit can fail: an unnamed button is a critical violation
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<button id="axe-probe"></button>'));
      expect((await seriousViolations(page)).map((v) => v.id)).toContain('button-name');
      await page.evaluate(() => document.getElementById('axe-probe')?.remove());
      await audit('sign-in');
      await page.getByRole('button', { name: 'Create account' }).first().click();
      await audit('sign-up');
      await page.getByRole('button', { name: 'Sign in' }).first().click();
      await page.getByRole('button', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Username').fill('nobody-here');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('group', { name: 'Reset with' }).waitFor();
      await audit('recovery');
      await page.getByRole('button', { name: 'Back to sign in' }).click();

      const name = uniqueName('gil');
      await registerInUi(page, name);
      await online(page);
      await page.locator('#composer').fill(`hello **there** @${name}`);
      await page.locator('#composer').press('Enter');
      await page.locator('.msg[data-state="sent"]').first().waitFor();
      await audit('chat');
      if (width === 360) await page.getByRole('link', { name: 'Back to conversations' }).click();
      await audit('conversations');
      await page.goto(`${web().url}#/rooms`);
      await page.getByLabel('New room').waitFor();
      await audit('rooms');
      await web().nodeUser(uniqueName('hal')); // someone in the directory
      await page.goto(`${web().url}#/people`);
      await page.locator('.panel [data-user]').first().waitFor();
      await audit('people');
      await page.goto(`${web().url}#/room/general`);
      await page.locator(`[data-user="${name}"]`).waitFor();
      await audit('room members');
      await page.goto(`${web().url}#/search/hello`);
      await page.locator('.hit').first().waitFor();
      await audit('search');
      await page.goto(`${web().url}#/account`);
      await page.locator('[data-session]').first().waitFor();
      await page.getByRole('button', { name: 'Make new recovery codes' }).click();
      await page.locator('#codes-current').fill(PASSWORD);
      await page.getByRole('button', { name: 'Make new recovery codes' }).click();
      await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
      await audit('account');
      await screenshot(page, `a11y-account-${width}`);
      expect(found).toEqual({});
      noProblems(problems);
    }
  });
});
