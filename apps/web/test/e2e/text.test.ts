import { expect, it } from 'vitest';
import { createRoom, describeBrowser, noProblems, online, registerInUi, screenshot, send, signInInUi, uniqueName, useWebStack } from './harness.js';

describeBrowser('message text', () => {
  const web = useWebStack();

  it('renders links, bold, code, code blocks, quotes and your mentions as elements, HTML as text, RTL with dir=auto', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('rita');
    await registerInUi(page, name);
    await online(page);
    const room = uniqueName('text');
    await createRoom(page, room);
    await send(
      page,
      `**Bold** and \`a < b\` at https://example.org/x_(y). for @${name}\n> quoted _words_\n\`\`\`\nlet a = 1 < 2;\n\`\`\`\n<img src=x onerror="document.title='pwned'"> [x](javascript:alert(1))`,
    );
    const text = page.locator('.msg[data-state="sent"] .text').last();
    await text.locator('strong', { hasText: 'Bold' }).waitFor();
    expect(await text.locator('code').first().textContent()).toBe('a < b');
    const link = text.locator('a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.org/x_(y)');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await text.locator('blockquote').textContent()).toBe('quoted words');
    expect(await text.locator('blockquote em').textContent()).toBe('words');
    expect(await text.locator('pre code').textContent()).toBe('let a = 1 < 2;');
    expect(await text.locator('.mention.me').textContent()).toBe(`@${name}`);
    // what looks like HTML is text: no element made from it, nothing ran
    expect(await text.locator('img').count()).toBe(0);
    expect(await text.textContent()).toContain(`<img src=x onerror="document.title='pwned'"> [x](javascript:alert(1))`);
    expect(await page.title()).not.toBe('pwned');

    await send(page, 'שלום עולם, hello world 123');
    const rtl = page.locator('.msg[data-state="sent"] .text', { hasText: 'שלום' });
    await rtl.waitFor();
    expect(await rtl.getAttribute('dir')).toBe('auto');
    expect(await rtl.evaluate((el) => el.matches(':dir(rtl)'))).toBe(true);
    expect(await page.locator('.msg[data-state="sent"] .text', { hasText: 'Bold' }).evaluate((el) => el.matches(':dir(ltr)'))).toBe(true);
    const preview = page.locator(`.conv[data-ref="${room}"] .preview bdi`);
    await expect.poll(() => preview.textContent()).toContain('שלום');
    expect(await preview.getAttribute('dir')).toBe('auto');
    expect(await preview.evaluate((el) => el.matches(':dir(rtl)'))).toBe(true);
    await screenshot(page, 'text-1280');

    // the same conversation on a phone
    const phone = await web().context({ width: 360, height: 740 });
    await signInInUi(phone.page, name);
    await phone.page.goto(`${web().url}#/c/${room}`);
    await phone.page.locator('.msg .text pre').waitFor();
    const fits = await phone.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(fits).toBe(true);
    await screenshot(phone.page, 'text-360');
    noProblems(problems);
    noProblems(phone.problems);
  });

  it('the composer grows, counts near the limit, refuses too long a message, and keeps a draft across a reload', async () => {
    const { page, problems } = await web().context();
    const name = uniqueName('otto');
    await registerInUi(page, name);
    await online(page);
    const room = uniqueName('drafts');
    await createRoom(page, room);
    const box = page.locator('#composer');
    const height = () => box.evaluate((el) => el.getBoundingClientRect().height);
    const empty = await height();
    await box.fill('one\ntwo\nthree');
    const three = await height();
    expect(three).toBeGreaterThan(empty * 1.8);
    await box.fill(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
    const capped = await height();
    expect(capped).toBeGreaterThan(three);
    expect(capped).toBeLessThan(300);
    expect(await box.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);

    // the counter appears near the limit and turns red past it; Enter is refused with the reason
    await box.fill('a'.repeat(3000));
    expect(await page.locator('#composer-count').count()).toBe(0);
    await box.fill('a'.repeat(3600));
    expect(await page.locator('#composer-count').textContent()).toBe('3600 / 4000');
    expect(await page.locator('#composer-count.over').count()).toBe(0);
    await box.fill('é'.repeat(4003));
    expect(await page.locator('#composer-count.over').textContent()).toBe('4003 / 4000');
    await box.press('Enter');
    expect(await page.locator('#composer-error').textContent()).toBe('Too long to send: 3 characters over the limit of 4000.');
    expect(await page.locator('.msg.outgoing').count()).toBe(0);
    await screenshot(page, 'text-composer-counter');

    // a draft survives a reload, per conversation; sending clears it
    await box.fill('a draft to keep\nwith two lines');
    await page.reload();
    await page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
    expect(await page.locator('#composer').inputValue()).toBe('a draft to keep\nwith two lines');
    expect(await height()).toBeGreaterThan(empty * 1.5);
    await page.goto(`${web().url}#/c/general`);
    await page.locator('#conv-title', { hasText: '#general' }).waitFor();
    await page.goto(`${web().url}#/c/${room}`);
    expect(await page.locator('#composer').inputValue()).toBe('a draft to keep\nwith two lines');
    await online(page);
    await page.locator('#composer').press('Enter');
    await page.locator('.msg[data-state="sent"] .text', { hasText: 'a draft to keep' }).waitFor();
    await page.reload();
    await page.locator('.msg[data-state="sent"] .text', { hasText: 'a draft to keep' }).waitFor();
    expect(await page.locator('#composer').inputValue()).toBe('');
    noProblems(problems);
  });

  it('offers the room’s members for an @ being typed, and Enter puts the name in', async () => {
    const peer = await web().context();
    const peerName = uniqueName('pia');
    await registerInUi(peer.page, peerName);
    const { page, problems } = await web().context();
    const name = uniqueName('pim');
    await registerInUi(page, name);
    await online(page);
    const room = uniqueName('mention');
    await createRoom(page, room);
    await peer.page.getByRole('link', { name: 'Rooms' }).click();
    await peer.page.getByRole('button', { name: `Join #${room}` }).click();
    await peer.page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
    const box = page.locator('#composer');
    await box.fill('mail@pi is no mention');
    expect(await page.locator('#mentions').count()).toBe(0);
    await box.fill('');
    await box.pressSequentially('thanks @PI');
    // yourself is not offered; the other member is
    await expect.poll(() => page.locator('#mentions [role=option]').allTextContents()).toEqual([`@${peerName}`]);
    expect(await box.getAttribute('aria-activedescendant')).toBe('mention-0');
    await screenshot(page, 'text-mention-suggest');
    await box.press('Enter');
    expect(await box.inputValue()).toBe(`thanks @${peerName} `);
    expect(await page.locator('#mentions').count()).toBe(0);
    await box.pressSequentially('for that');
    await box.press('Enter');
    await page.locator('.msg[data-state="sent"] .text .mention', { hasText: `@${peerName}` }).waitFor();
    await peer.page.locator('.msg .text .mention.me', { hasText: `@${peerName}` }).waitFor();
    noProblems(problems);
    noProblems(peer.problems);
  });
});
