import { expect, it } from 'vitest';
import { PASSWORD, describeBrowser, noProblems, online, registerInUi, screenshot, signInInUi, uniqueName, useWebStack } from './harness.js';

describeBrowser('signing up, in and out in the browser', () => {
  const web = useWebStack();

  it('registers, stays signed in across a reload, signs out (forgetting the token) and signs in again', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('ann');
    await registerInUi(page, name);
    expect(await page.evaluate(() => localStorage.getItem('tidings:session'))).toContain(name);

    await page.reload();
    await page.locator('.me', { hasText: name }).waitFor();

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).last().waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'tidings:device'))).toEqual([]);

    await signInInUi(page, name);
    await screenshot(page, 'auth-signed-in');
    noProblems(problems);
  });

  it('shows each error in words next to the input that caused it', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('bea');
    await registerInUi(page, name);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();

    // a wrong password: said about the form
    await page.getByLabel('Username').fill(name);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('do not match');

    // a taken username: said under the username
    await page.getByRole('button', { name: 'Create account' }).first().click();
    await page.getByLabel('Username').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).last().click();
    await page.locator('#username-error').waitFor();
    expect(await page.locator('#username-error').textContent()).toMatch(/taken|already/i);
    expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');

    // a short password: checked before asking, said under the password
    await page.getByLabel('Username').fill(uniqueName('cy'));
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Password again').fill('short');
    await page.getByRole('button', { name: 'Create account' }).last().click();
    await page.locator('#password-error', { hasText: 'at least 8' }).waitFor();
    await screenshot(page, 'auth-errors');
    noProblems(problems);
  });

  it('changes the password: the other browser is signed out, the new password works', async () => {
    const name = uniqueName('dan');
    const first = await web().context();
    await registerInUi(first.page, name);
    const second = await web().context();
    await signInInUi(second.page, name);

    await first.page.getByRole('link', { name: 'Account' }).click();
    await first.page.locator('#current-password').fill('wrong password!');
    await first.page.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await first.page.getByLabel('New password again').fill('a brand new secret');
    await first.page.getByRole('button', { name: 'Change password' }).click();
    await first.page.locator('#current-password-error', { hasText: 'not your current password' }).waitFor();

    await first.page.locator('#current-password').fill(PASSWORD);
    await first.page.getByRole('button', { name: 'Change password' }).click();
    await first.page.getByRole('status').filter({ hasText: 'Password changed. 1 other session signed out.' }).waitFor();

    // the other browser's session was revoked: it lands on the sign-in screen with a reason
    await second.page.locator('.notice', { hasText: 'session has ended' }).waitFor();
    await signInInUi(second.page, name, 'a brand new secret');
    await screenshot(first.page, 'auth-password-changed');
    noProblems(first.problems);
    noProblems(second.problems);
  });

  it('lists the signed-in devices, marks this browser, and signs another device out', async () => {
    const name = uniqueName('eve');
    const first = await web().context();
    await registerInUi(first.page, name);
    const second = await web().context();
    await signInInUi(second.page, name);

    await first.page.getByRole('link', { name: 'Account' }).click();
    const rows = first.page.locator('[data-session]');
    await expect.poll(() => rows.count()).toBe(2);
    await first.page.locator('[data-session="current"] .tag', { hasText: 'this browser' }).waitFor();
    const other = first.page.locator('[data-session="other"]');
    await other.getByRole('button', { name: /^Sign out Chrome on Linux/ }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await first.page.locator('[data-session="current"]').count()).toBe(1);

    await second.page.locator('.notice', { hasText: 'session has ended' }).waitFor();
    expect(await second.page.evaluate(() => localStorage.getItem('tidings:session'))).toBeNull();
    await screenshot(first.page, 'auth-sessions');
    noProblems(first.problems);
    noProblems(second.problems);
  });

  it('sets a security question, then recovers with its answer after forgetting the password', async () => {
    const name = uniqueName('fay');
    const { page, problems } = await web().context();
    await registerInUi(page, name);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.locator('#question-now', { hasText: 'None set yet' }).waitFor();
    await page.getByLabel('Question', { exact: true }).selectOption({ label: 'What was the name of your first pet?' });
    await page.getByLabel('Answer').fill('Rex the dog');
    // the current password is asked for once the rest is filled in
    await page.getByRole('button', { name: 'Set security question' }).click();
    await page.locator('#security-current').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set security question' }).click();
    await page.getByRole('status').filter({ hasText: 'Security question set.' }).waitFor();
    await page.locator('#question-now', { hasText: 'What was the name of your first pet?' }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();

    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Username').fill(name);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#recovery-question', { hasText: 'What was the name of your first pet?' }).waitFor();
    // a wrong answer: said next to the answer
    await page.getByLabel('Your answer').fill('Felix');
    await page.getByLabel('New password', { exact: true }).fill('a fresh password');
    await page.getByLabel('New password again').fill('a fresh password');
    await page.getByRole('button', { name: 'Reset password and sign in' }).click();
    await page.locator('#answer-error', { hasText: 'does not match' }).waitFor();
    // the right one, typed differently: case and spaces do not matter
    await page.getByLabel('Your answer').fill('  REX   the Dog ');
    await page.getByRole('button', { name: 'Reset password and sign in' }).click();
    await page.locator('.me', { hasText: name }).waitFor();
    await online(page);

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signInInUi(page, name, 'a fresh password');
    await screenshot(page, 'auth-recovered-with-question');
    noProblems(problems);
  });

  it('makes recovery codes, recovers with one, and a used code does not work again', async () => {
    const name = uniqueName('gus');
    const { page, problems } = await web().context();
    await registerInUi(page, name);
    await page.getByRole('link', { name: 'Account' }).click();
    const codesCurrent = page.locator('#codes-current');
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    await codesCurrent.fill('not my password');
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    await page.locator('#codes-current-error', { hasText: 'not your current password' }).waitFor();
    await codesCurrent.fill(PASSWORD);
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const codes = await list.locator('li').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    await page.locator('#codes-title ~ p', { hasText: '10 unused codes left.' }).waitFor();
    await screenshot(page, 'auth-recovery-codes');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();

    const recoverWith = async (code: string, password: string) => {
      await page.getByRole('button', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Username').fill(name);
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('radio', { name: 'Recovery code' }).check();
      await page.getByRole('textbox', { name: 'Recovery code' }).fill(code);
      await page.getByLabel('New password', { exact: true }).fill(password);
      await page.getByLabel('New password again').fill(password);
      await page.getByRole('button', { name: 'Reset password and sign in' }).click();
    };
    // typed in capitals without the dash: still the same code
    await recoverWith(codes[0]!.replace('-', '').toUpperCase(), 'recovered once');
    await page.locator('.me', { hasText: name }).waitFor();
    await online(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.locator('#codes-title ~ p', { hasText: '9 unused codes left.' }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();

    await recoverWith(codes[0]!, 'recovered twice');
    await page.locator('#code-error', { hasText: 'used already' }).waitFor();
    await screenshot(page, 'auth-used-code-refused');
    noProblems(problems);
  });
});
