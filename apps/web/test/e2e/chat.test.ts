import { expect, it } from 'vitest';
import { createRoom, describeBrowser, joinRoom, noProblems, online, registerInUi, screenshot, send, sentTexts, uniqueName, useWebStack } from './harness.js';

describeBrowser('chatting in two browsers', () => {
  const web = useWebStack();

  async function pair() {
    const a = await web().context();
    const b = await web().context();
    const nameA = uniqueName('amy');
    const nameB = uniqueName('ben');
    await registerInUi(a.page, nameA);
    await registerInUi(b.page, nameB);
    await online(a.page);
    await online(b.page);
    return { a, b, nameA, nameB };
  }

  it('two people talk live in a room: messages, typing, edits and deletions reach the other browser', async () => {
    const { a, b, nameA, nameB } = await pair();
    const room = uniqueName('room');
    await createRoom(a.page, room);
    await joinRoom(b.page, room);

    await send(a.page, `hello from ${nameA}`);
    await b.page.locator('.msg .text', { hasText: `hello from ${nameA}` }).waitFor();
    await a.page.locator('.msg[data-state="sent"] .text', { hasText: `hello from ${nameA}` }).waitFor();
    // delivered on time: nothing about delivery on the message
    expect(await a.page.locator('.msg[data-state="sent"] .status').count()).toBe(0);

    // typing shows in the other browser while someone types
    await b.page.locator('#composer').pressSequentially('rep', { delay: 30 });
    await a.page.locator('.typing', { hasText: `${nameB} is typing…` }).waitFor();
    await b.page.locator('#composer').fill(`hi ${nameA}, this is ${nameB}`);
    await b.page.locator('#composer').press('Enter');
    await a.page.locator('.msg .text', { hasText: `this is ${nameB}` }).waitFor();
    await expect.poll(() => a.page.locator('.typing').textContent()).toBe('');

    // edit and delete one's own message: both show live on the other side
    const mine = a.page.locator('.msg.own', { hasText: `hello from ${nameA}` });
    await mine.getByRole('button', { name: 'Edit' }).click();
    await a.page.getByLabel('Edit your message').fill('hello, edited');
    await a.page.getByLabel('Edit your message').press('Enter');
    await b.page.locator('.msg', { hasText: 'hello, edited' }).locator('.edited').waitFor();
    await a.page.locator('.msg.own', { hasText: 'hello, edited' }).getByRole('button', { name: 'Delete' }).click();
    await a.page.getByRole('button', { name: 'Delete it' }).click();
    await b.page.locator('.msg.deleted .text', { hasText: 'This message was deleted.' }).waitFor();
    expect(await sentTexts(b.page)).toEqual(['This message was deleted.', `hi ${nameA}, this is ${nameB}`]);

    await screenshot(a.page, 'chat-room-a');
    await screenshot(b.page, 'chat-room-b');
    noProblems(a.problems);
    noProblems(b.problems);
  });

  it('starts a direct conversation from the user directory; the other side sees it with an unread count and a new-message line', async () => {
    const { a, b, nameA, nameB } = await pair();
    await a.page.getByRole('link', { name: 'People' }).click();
    const row = a.page.locator(`.row[data-user="${nameB}"]`);
    await row.locator('.dot.on').waitFor(); // presence: B is online
    await row.getByRole('button', { name: `Message ${nameB}` }).click();
    await a.page.locator('#conv-title', { hasText: `@${nameB}` }).waitFor();
    await a.page.locator('.presence', { hasText: 'online' }).waitFor();
    await send(a.page, 'a private hello');
    await send(a.page, 'and a second line');

    // B is elsewhere: the conversation appears with 2 unread
    const entry = b.page.locator(`.conv[data-ref="@${nameA}"]`);
    await entry.locator('.badge', { hasText: '2' }).waitFor();
    expect(await b.page.title()).toBe('(2) Tidings');
    await entry.click();
    await b.page.locator('.new-line').waitFor();
    expect(await sentTexts(b.page)).toEqual(['a private hello', 'and a second line']);
    // reading it clears the count
    await b.page.locator(`.conv[data-ref="@${nameA}"] .badge`).waitFor({ state: 'detached' });
    await send(b.page, 'got it');
    await a.page.locator('.msg .text', { hasText: 'got it' }).waitFor();

    // a third person cannot see it: their list has #general (every new account is in it) and nothing else
    const c = await web().context();
    await registerInUi(c.page, uniqueName('cat'));
    await online(c.page);
    await c.page.locator('.conv[data-ref="general"]').waitFor();
    expect(await c.page.locator('.conv').count()).toBe(1);

    await screenshot(b.page, 'chat-dm');
    noProblems(a.problems);
    noProblems(b.problems);
  });

  it('reacts from the picker, the other browser sees the count live and who reacted, and a click takes it back', async () => {
    const { a, b, nameA, nameB } = await pair();
    const room = uniqueName('reacts');
    await createRoom(a.page, room);
    await joinRoom(b.page, room);
    await send(a.page, `react to me, says ${nameA}`);
    const theirs = b.page.locator('.msg', { hasText: `react to me, says ${nameA}` });
    await theirs.waitFor();
    expect(await theirs.locator('.reactions').count()).toBe(0); // no reactions, no chips
    // the message's React action (on hover) opens the picker
    await theirs.hover();
    await theirs.getByRole('button', { name: 'React', exact: true }).click();
    await theirs.getByRole('button', { name: 'React 🎉' }).click();
    await theirs.getByRole('button', { name: '🎉 1, yours: take it back' }).waitFor();
    expect(await theirs.locator('.picker').count()).toBe(0); // the picker closes after a pick

    const mine = a.page.locator('.msg', { hasText: `react to me, says ${nameA}` });
    const chip = mine.getByRole('button', { name: '🎉 1', exact: true });
    await chip.waitFor();
    expect(await chip.getAttribute('aria-pressed')).toBe('false');
    // who reacted: asked for when the pointer reaches the chips, shown as the chip's tooltip
    await chip.hover();
    await expect.poll(() => chip.getAttribute('title')).toBe(`🎉 ${nameB}`);
    // A adds the same: both counted, A's chip highlighted, and the tooltip says "you" first
    await chip.click();
    const both = mine.getByRole('button', { name: '🎉 2, yours: take it back' });
    await both.waitFor();
    await both.hover();
    await expect.poll(() => both.getAttribute('title')).toBe(`🎉 you, ${nameB}`);
    await theirs.getByRole('button', { name: '🎉 2, yours: take it back' }).waitFor();

    // B takes theirs back with a click on the chip; A sees the count fall live
    await theirs.getByRole('button', { name: '🎉 2, yours: take it back' }).click();
    await mine.getByRole('button', { name: '🎉 1, yours: take it back' }).waitFor();
    await theirs.getByRole('button', { name: '🎉 1', exact: true }).waitFor();
    // With the picker open (the React action, which a tap or a key reaches too) who reacted is said in words.
    await theirs.hover();
    await theirs.getByRole('button', { name: 'React', exact: true }).click();
    await expect.poll(() => theirs.locator('.reactions .who').textContent()).toBe(`🎉 ${nameA}`);
    await screenshot(a.page, 'chat-reactions');
    noProblems(a.problems);
    noProblems(b.problems);
  });
});
