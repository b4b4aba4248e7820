import { expect, it } from 'vitest';
import { createRoom, describeBrowser, noProblems, online, registerInUi, screenshot, send, sentTexts, uniqueName, useWebStack } from './harness.js';

describeBrowser('rooms people can run', () => {
  const web = useWebStack();

  async function person(prefix: string) {
    const browser = await web().context();
    const name = uniqueName(prefix);
    await registerInUi(browser.page, name);
    await online(browser.page);
    return { ...browser, name };
  }

  it('creates a private room with a topic: a lock and the topic in the header, and only the people added see it', async () => {
    const a = await person('ada');
    const b = await person('bo');
    const room = uniqueName('secret');

    await a.page.getByRole('link', { name: 'Rooms' }).click();
    await a.page.getByLabel('New room').fill(room);
    await a.page.getByLabel('Topic (optional)').fill('plans for the party');
    await a.page.getByLabel('Private: invite only').check();
    await a.page.getByRole('button', { name: 'Create room' }).click();
    await a.page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
    await a.page.locator('#conv-title').getByRole('img', { name: 'Private room' }).waitFor();
    await a.page.locator('.conv-head .topic', { hasText: 'plans for the party' }).waitFor();

    // bo does not see it among the rooms
    await b.page.getByRole('link', { name: 'Rooms' }).click();
    await b.page.locator('.rows').waitFor();
    expect(await b.page.locator('.rows').textContent()).not.toContain(room);

    // ada adds bo from the member panel; the room appears in bo's list, locked
    await a.page.getByRole('link', { name: 'Members' }).click();
    await a.page.getByLabel('Add someone').fill(b.name);
    await a.page.getByRole('button', { name: 'Add', exact: true }).click();
    await a.page.locator(`.row[data-user="${b.name}"]`, { hasText: 'Member' }).waitFor();
    await b.page.locator(`.conv[data-ref="${room}"]`).click();
    await b.page.locator('#conv-title').getByRole('img', { name: 'Private room' }).waitFor();
    await b.page.locator('.event', { hasText: `${a.name} added ${b.name}` }).waitFor();

    await screenshot(a.page, 'rooms-private-members');
    await screenshot(b.page, 'rooms-private-invited');
    noProblems(a.problems);
    noProblems(b.problems);
  });

  it('shows the members with their roles, and a moderator kicks someone: the room shows it as an event line', async () => {
    const a = await person('owen');
    const room = uniqueName('club');
    await createRoom(a.page, room);
    const modName = uniqueName('mia');
    const kickedName = uniqueName('kit');
    const mod = await web().nodeUser(modName);
    const kicked = await web().nodeUser(kickedName);
    await mod.request('room.join', { name: room });
    await kicked.request('room.join', { name: room });
    await kicked.request('chat.send', { c: room, x: 'hi all' });
    await a.page.locator('.msg .text', { hasText: 'hi all' }).waitFor();

    await a.page.getByRole('link', { name: 'Members' }).click();
    await a.page.locator(`.row[data-user="${a.name}"]`, { hasText: 'Owner' }).waitFor();
    await a.page.locator(`.row[data-user="${modName}"]`, { hasText: 'Member' }).waitFor();
    await a.page.locator(`.row[data-user="${modName}"]`).getByRole('button', { name: 'Make moderator' }).click();
    // (the role, not the buttons: "Make moderator" has the word too)
    await a.page.locator(`.row[data-user="${modName}"] .row-main .muted`, { hasText: /^Moderator/ }).waitFor();

    // the new moderator kicks someone (through the service, as another client would)
    await mod.request('room.kick', { name: room, u: kickedName });
    await a.page.locator(`.row[data-user="${kickedName}"]`).waitFor({ state: 'detached' });
    await screenshot(a.page, 'rooms-members-roles');

    // the owner may act on a moderator (a lower role): a mute from the panel
    await a.page
      .locator(`.row[data-user="${modName}"]`)
      .getByRole('button', { name: `Mute ${modName} for 10 min` })
      .click();
    await a.page.locator(`.row[data-user="${modName}"]`, { hasText: 'muted until' }).waitFor();

    await a.page.getByRole('link', { name: 'Open', exact: true }).click();
    await a.page.locator('.event', { hasText: `${a.name} made ${modName} a moderator` }).waitFor();
    await a.page.locator('.event', { hasText: `${modName} kicked ${kickedName}` }).waitFor();
    await a.page.locator('.event', { hasText: `${a.name} muted ${modName} until` }).waitFor();
    // events are lines of their own, not bubbles
    expect(await a.page.locator('.event .bubble').count()).toBe(0);
    expect(await sentTexts(a.page)).toEqual(['hi all']);
    await screenshot(a.page, 'rooms-event-lines');
    noProblems(a.problems);
  });

  it('kicks and bans from the member panel, and unbans from the list of bans', async () => {
    const a = await person('olga');
    const room = uniqueName('den');
    await createRoom(a.page, room);
    const pName = uniqueName('pat');
    const p = await web().nodeUser(pName);
    await p.request('room.join', { name: room });
    await a.page.getByRole('link', { name: 'Members' }).click();
    await a.page.getByRole('button', { name: `Ban ${pName}`, exact: true }).click();
    await a.page
      .locator('ul[aria-label="Banned"]')
      .getByRole('button', { name: `Unban ${pName}` })
      .waitFor();
    await expect(p.request('room.join', { name: room })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await a.page.getByRole('button', { name: `Unban ${pName}` }).click();
    await a.page.locator('ul[aria-label="Banned"]').waitFor({ state: 'detached' });
    await p.request('room.join', { name: room });
    await a.page.getByRole('button', { name: `Kick ${pName}` }).click();
    await a.page.locator(`.row[data-user="${pName}"]`).waitFor({ state: 'detached' });
    noProblems(a.problems);
  });

  it('removes someone else’s message as the owner, shown as removed by a moderator, and shows unread mentions beside the unread count', async () => {
    const a = await person('rae');
    const room = uniqueName('mod');
    const other = uniqueName('elsewhere');
    await createRoom(a.page, other);
    await createRoom(a.page, room);
    const sName = uniqueName('sam');
    const s = await web().nodeUser(sName);
    await s.request('room.join', { name: room });
    await s.request('room.join', { name: other });
    const spam = await s.request('chat.send', { c: room, x: 'buy cheap watches' });
    await a.page.locator('.msg .text', { hasText: 'buy cheap watches' }).waitFor();
    // the owner removes someone else's message from the conversation
    const theirs = a.page.locator(`.msg[data-s="${spam.s}"]`);
    await theirs.getByRole('button', { name: 'Delete' }).click();
    await theirs.getByRole('button', { name: 'Delete it' }).click();
    await theirs.locator('.text', { hasText: 'Removed by a moderator.' }).waitFor();
    await a.page.locator('.event', { hasText: `${a.name} removed message #` }).waitFor();

    await s.request('chat.send', { c: other, x: `@${a.name} are you there?` });
    await s.request('chat.send', { c: other, x: 'anyone?' });
    const entry = a.page.locator(`.conv[data-ref="${other}"]`);
    await entry.locator('.badge.at', { hasText: '@1' }).waitFor();
    await entry.locator('.badge:not(.at)', { hasText: '2' }).waitFor();
    await screenshot(a.page, 'rooms-removed-and-mentions');
    await entry.click();
    await entry.locator('.badge').first().waitFor({ state: 'detached' });
    noProblems(a.problems);
  });

  it('searches from the box above the conversations and opens the conversation of a hit', async () => {
    const a = await person('sue');
    const room = uniqueName('zoo');
    await createRoom(a.page, room);
    await send(a.page, 'the blue whale sings at dawn');
    await send(a.page, 'something else entirely');
    await a.page.locator('.msg[data-state="sent"] .text', { hasText: 'something else' }).waitFor();
    await a.page.getByRole('link', { name: 'People' }).click();

    await a.page.getByRole('searchbox', { name: 'Search messages' }).fill('whale');
    await a.page.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
    const hit = a.page.locator('.hit', { hasText: 'the blue whale sings at dawn' });
    await hit.waitFor();
    expect(await a.page.locator('.hit').count()).toBe(1);
    await screenshot(a.page, 'rooms-search');
    await hit.click();
    await a.page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
    await a.page.locator('.msg .text', { hasText: 'the blue whale sings at dawn' }).waitFor();
    noProblems(a.problems);
  });
});
