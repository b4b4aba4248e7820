import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhen } from '../src/chat/format.js';
import { eventually, ok, people, startChatStack, withoutTimes, type ChatStack } from './chat-stack.js';
import { errorLine } from './helpers.js';
import { uniqueUser } from './stack.js';

let chat: ChatStack;

beforeAll(async () => {
  chat = await startChatStack();
});
afterAll(async () => {
  await chat?.close();
});

let rooms = 0;
/** A room name no other test of the file uses. */
const uniqueRoom = (prefix: string) => `${prefix}-${process.pid % 1000}-${++rooms}`;

const json = (stdout: string) =>
  JSON.parse(stdout) as { ok: boolean; data?: Record<string, unknown> & { messages: { s: number; at: number }[] }; error?: { code: string; message: string } };

describe('rooms from the terminal', () => {
  it('creates, joins and leaves rooms, and lists them with members, your rooms marked and your unread counts', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const room = uniqueRoom('club');

    expect(await ok(alice!, ['create', room.toUpperCase()])).toBe(`created room ${room} (you own it)\n`);
    expect(await ok(bob!, ['join', room])).toBe(`joined ${room}\n`);
    expect(await ok(alice!, ['send', room, 'first', 'post'])).toBe(`sent ${room}#1\n`);
    expect(await ok(carol!, ['join', room])).toBe(`joined ${room} (1 message so far: tidings history ${room})\n`);
    expect(await ok(alice!, ['send', room, 'second'])).toBe(`sent ${room}#2\n`);

    const bobRooms = json(await ok(bob!, ['rooms', '--json']));
    expect(bobRooms.data!.rooms).toContainEqual({ name: room, members: 3, lastSeq: 2, joined: true, unread: 2, mentions: 0 });
    expect(bobRooms.data!.rooms).toContainEqual(expect.objectContaining({ name: 'general', joined: false }));
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +3 members +2 unread$`, 'm'));
    // carol joined after the first message: only the second is unread for her.
    expect(await ok(carol!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +3 members +1 unread$`, 'm'));

    expect(await ok(bob!, ['leave', room])).toBe(`left ${room}\n`);
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^   ${room} +2 members +not joined$`, 'm'));
    expect(await ok(bob!, ['leave', room])).toBe(`left ${room}\n`); // again: nothing changes
  });

  it('answers a taken room name, an unknown room and a room you are not in with the reason (exit 1)', async () => {
    const [alice, bob] = await people(chat, 'alice', 'bob');
    const room = uniqueRoom('taken');
    await ok(alice!, ['create', room]);

    const taken = await bob!.cli(['create', room, '--json']);
    expect(taken.status).toBe(1);
    expect(json(taken.stdout).error).toEqual({ code: 'CONFLICT', message: `a room named ${room} already exists` });

    const unknown = await bob!.cli(['join', 'no-such-room-here']);
    expect(unknown.status).toBe(1);
    expect(errorLine(unknown)).toBe('tidings: there is no room named no-such-room-here');

    const notIn = await bob!.cli(['send', room, 'let me in', '--json']);
    expect(notIn.status).toBe(1);
    expect(json(notIn.stdout).error!.code).toBe('FORBIDDEN');
    expect(json(await ok(bob!, ['history', room, '--json'])).data!.messages).toEqual([]);

    const noRoom = await bob!.cli(['history', 'no-such-room-here']);
    expect(noRoom.status).toBe(1);
    expect(errorLine(noRoom)).toBe('tidings: there is no room named no-such-room-here');
  });
});

describe('messages from the terminal', () => {
  it('keeps direct conversations private: a third user sees only their own conversation with alice', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');

    expect(await ok(alice!, ['dm', bob!.username, 'hi', 'bob,', 'secret', 'plan'])).toBe(`sent @${bob!.username}#1\n`);
    expect(await ok(bob!, ['send', `@${alice!.username}`, 'hi alice'])).toBe(`sent @${alice!.username}#2\n`);
    expect(await ok(carol!, ['dm', `@${alice!.username}`, 'hello from carol'])).toBe(`sent @${alice!.username}#1\n`);

    expect(withoutTimes(await ok(alice!, ['history', `@${bob!.username}`]))).toEqual([
      `#1  ${alice!.username}: hi bob, secret plan`,
      `#2  ${bob!.username}: hi alice`,
    ]);
    expect(withoutTimes(await ok(bob!, ['history', `@${alice!.username}`]))).toEqual([
      `#1  ${alice!.username}: hi bob, secret plan`,
      `#2  ${bob!.username}: hi alice`,
    ]);

    // carol's `@alice` is carol's own conversation with alice, never alice–bob.
    const carolView = await ok(carol!, ['history', `@${alice!.username}`]);
    expect(withoutTimes(carolView)).toEqual([`#1  ${carol!.username}: hello from carol`]);
    expect(carolView).not.toContain('secret');
    expect(await ok(carol!, ['history', `@${bob!.username}`])).toBe('no messages yet\n');
    const asJson = json(await ok(carol!, ['history', `@${alice!.username}`, '--json']));
    expect(asJson.data).toEqual({
      c: `@${alice!.username}`,
      messages: [{ s: 1, u: carol!.username, x: 'hello from carol', at: expect.any(Number) }],
      more: false,
      lastSeq: 1,
    });
    // Nor can carol act on their messages: @bob#1 names her own (empty) conversation with bob.
    const like = await carol!.cli(['like', `@${bob!.username}#1`, '--json']);
    expect(like.status).toBe(1);
    expect(json(like.stdout).error!.code).toBe('NOT_FOUND');
  });

  it('prints the time of each message, and the date when it is not today', async () => {
    const [alice] = await people(chat, 'alice');
    const room = uniqueRoom('times');
    await ok(alice!, ['create', room]);
    await ok(alice!, ['send', room, 'tick']);
    const page = json(await ok(alice!, ['history', room, '--json'])).data!;
    const at = page.messages[0]!.at;
    expect(await ok(alice!, ['history', room])).toBe(`#1  ${formatWhen(at, { now: Date.now() })}  ${alice!.username}: tick\n`);
  });

  it('sends one message per line of standard input, skipping blank lines, in order', async () => {
    const [alice] = await people(chat, 'alice');
    const room = uniqueRoom('lines');
    await ok(alice!, ['create', room]);
    const out = await ok(alice!, ['send', room, '--stdin'], 'one\n\n  \ntwo\r\nthree');
    expect(out).toBe(`sent ${room}#1\nsent ${room}#2\nsent ${room}#3\n`);
    expect(withoutTimes(await ok(alice!, ['history', room]))).toEqual([
      `#1  ${alice!.username}: one`,
      `#2  ${alice!.username}: two`,
      `#3  ${alice!.username}: three`,
    ]);

    const asJson = json(await ok(alice!, ['send', room, '--stdin', '--json'], 'four\nfive\n'));
    expect(asJson.data).toEqual({
      c: room,
      messages: [
        { id: expect.any(String), s: 4, at: expect.any(Number) },
        { id: expect.any(String), s: 5, at: expect.any(Number) },
      ],
    });
    const empty = await alice!.cli(['send', room, '--stdin'], '\n \n');
    expect(empty.status).toBe(1);
    expect(errorLine(empty)).toBe('tidings: standard input held no message to send');
  });

  it('pages history with --before, --after and --limit, and says how to get the next page', async () => {
    const [alice] = await people(chat, 'alice');
    const room = uniqueRoom('pages');
    const u = alice!.username;
    await ok(alice!, ['create', room]);
    await ok(alice!, ['send', room, '--stdin'], Array.from({ length: 12 }, (_, i) => `m${i + 1}`).join('\n'));
    // The #seq column is right-aligned to the widest number on the page.
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `${`#${from + i}`.padStart(`#${to}`.length)}  ${u}: m${from + i}`);

    expect(withoutTimes(await ok(alice!, ['history', room, '--limit', '5']))).toEqual([
      ...lines(8, 12),
      `… older: tidings history ${room} --before 8 --limit 5`,
    ]);
    expect(withoutTimes(await ok(alice!, ['history', room, '--before', '8', '--limit', '5']))).toEqual([
      ...lines(3, 7),
      `… older: tidings history ${room} --before 3 --limit 5`,
    ]);
    expect(withoutTimes(await ok(alice!, ['history', room, '--before', '3', '--limit', '5']))).toEqual(lines(1, 2));
    expect(withoutTimes(await ok(alice!, ['history', room, '--after', '2', '--limit', '3']))).toEqual([
      ...lines(3, 5),
      `… newer: tidings history ${room} --after 5 --limit 3`,
    ]);
    expect(withoutTimes(await ok(alice!, ['history', room, '--after', '10']))).toEqual(lines(11, 12));
    expect(withoutTimes(await ok(alice!, ['history', room, '--after', '6', '--limit', '4']))).toEqual([
      ' #7  ' + `${u}: m7`,
      ' #8  ' + `${u}: m8`,
      ' #9  ' + `${u}: m9`,
      `#10  ${u}: m10`,
      `… newer: tidings history ${room} --after 10 --limit 4`,
    ]);
    // Rooms are public to signed-in users: read (history) without joining.
    const [reader] = await people(chat, 'reader');
    expect(withoutTimes(await ok(reader!, ['history', room, '--after', '11']))).toEqual([`#12  ${u}: m12`]);
    expect(await ok(alice!, ['history', room, '--after', '12'])).toBe('no messages after #12\n');
    expect(await ok(alice!, ['history', room, '--before', '1'])).toBe('no messages before #1\n');

    const page = json(await ok(alice!, ['history', room, '--after', '0', '--limit', '4', '--json'])).data!;
    expect(page.messages.map((m) => m.s)).toEqual([1, 2, 3, 4]);
    expect(page).toMatchObject({ c: room, more: true, lastSeq: 12 });
  });

  it('shows likes in history, with (you) for your own, and takes them back', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const room = uniqueRoom('likes');
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(carol!, ['join', room]);
    await ok(alice!, ['send', room, 'like me']);

    expect(await ok(bob!, ['like', `${room}#1`])).toBe(`liked ${room}#1 (❤️ 1)\n`);
    expect(await ok(carol!, ['like', `${room}#1`])).toBe(`liked ${room}#1 (❤️ 2)\n`);
    expect(await ok(carol!, ['like', `${room}#1`])).toBe(`liked ${room}#1 (❤️ 2)\n`); // once per user
    expect(withoutTimes(await ok(bob!, ['history', room]))).toEqual([`#1  ${alice!.username}: like me  ❤️ 2 (you: ❤️)`]);
    expect(withoutTimes(await ok(alice!, ['history', room]))).toEqual([`#1  ${alice!.username}: like me  ❤️ 2`]);

    expect(json(await ok(bob!, ['unlike', `${room}#1`, '--json'])).data).toEqual({ c: room, s: 1, n: 1, me: false });
    expect(withoutTimes(await ok(bob!, ['history', room]))).toEqual([`#1  ${alice!.username}: like me  ❤️ 1`]);
    expect(withoutTimes(await ok(carol!, ['history', room]))).toEqual([`#1  ${alice!.username}: like me  ❤️ 1 (you: ❤️)`]);

    // Direct messages can be liked by the two people in them.
    await ok(alice!, ['dm', bob!.username, 'a private joke']);
    expect(await ok(bob!, ['like', `@${alice!.username}#1`])).toBe(`liked @${alice!.username}#1 (❤️ 1)\n`);
    expect(withoutTimes(await ok(alice!, ['history', `@${bob!.username}`]))).toEqual([`#1  ${alice!.username}: a private joke  ❤️ 1`]);

    const missing = await bob!.cli(['like', `${room}#99`]);
    expect(missing.status).toBe(1);
    expect(errorLine(missing)).toBe(`tidings: there is no message ${room}#99`);
  });

  it('reacts with the emoji or its name, shows reactions in history and who gave them, and takes one back with --off', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const room = uniqueRoom('reacts');
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(carol!, ['join', room]);
    await ok(alice!, ['send', room, 'party at eight']);

    expect(await ok(bob!, ['react', `${room}#1`, '🎉'])).toBe(`reacted 🎉 to ${room}#1 (🎉 1 (you: 🎉))\n`);
    expect(await ok(carol!, ['react', `${room}#1`, 'tada'])).toBe(`reacted 🎉 to ${room}#1 (🎉 2 (you: 🎉))\n`);
    expect(await ok(carol!, ['react', `${room}#1`, '+1'])).toBe(`reacted 👍 to ${room}#1 (👍 1  🎉 2 (you: 👍 🎉))\n`);
    expect(await ok(bob!, ['react', `${room}#1`, '❤'])).toBe(`reacted ❤️ to ${room}#1 (👍 1  ❤️ 1  🎉 2 (you: ❤️ 🎉))\n`); // without U+FE0F
    expect(withoutTimes(await ok(alice!, ['history', room]))).toEqual([`#1  ${alice!.username}: party at eight  👍 1  ❤️ 1  🎉 2`]);
    expect(withoutTimes(await ok(carol!, ['history', room]))).toEqual([`#1  ${alice!.username}: party at eight  👍 1  ❤️ 1  🎉 2 (you: 👍 🎉)`]);
    expect(await ok(alice!, ['reactions', `${room}#1`])).toBe(`👍 1  ${carol!.username}\n❤️ 1  ${bob!.username}\n🎉 2  ${bob!.username}, ${carol!.username}\n`);
    expect(await ok(alice!, ['reactions', `${room}#1`, 'heart'])).toBe(`❤️ 1  ${bob!.username}\n`);

    const off = json(await ok(bob!, ['react', `${room}#1`, '🎉', '--off', '--json']));
    expect(off.data).toEqual({ c: room, s: 1, rx: { '👍': 1, '❤️': 1, '🎉': 1 }, my: ['❤️'] });
    expect(withoutTimes(await ok(bob!, ['history', room]))).toEqual([`#1  ${alice!.username}: party at eight  👍 1  ❤️ 1  🎉 1 (you: ❤️)`]);

    const bad = await bob!.cli(['react', `${room}#1`, '👎']);
    expect(bad.status).toBe(2);
    expect(errorLine(bad)).toMatch(/^tidings: not a reaction: 👎 \(one of 👍 ❤️ 😂 🎉 😮 😢/);
    const missing = await bob!.cli(['react', `${room}#99`, '👍']);
    expect(missing.status).toBe(1);
    expect(errorLine(missing)).toBe(`tidings: there is no message ${room}#99`);
  });

  it("edits and deletes one's own messages, shown as (edited) and (deleted), and refuses someone else's", async () => {
    const [alice, bob] = await people(chat, 'alice', 'bob');
    const room = uniqueRoom('edits');
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(alice!, ['send', room, 'teh typo']);
    await ok(alice!, ['send', room, 'regret']);

    expect(await ok(alice!, ['edit', `${room}#1`, 'the', 'typo'])).toBe(`edited ${room}#1\n`);
    expect(await ok(alice!, ['delete', `${room}#2`])).toBe(`deleted ${room}#2\n`);
    expect(withoutTimes(await ok(bob!, ['history', room]))).toEqual([`#1  ${alice!.username}: the typo (edited)`, `#2  ${alice!.username}: (deleted)`]);

    const edit = await bob!.cli(['edit', `${room}#1`, 'mine now', '--json']);
    expect(edit.status).toBe(1);
    expect(json(edit.stdout).error).toEqual({ code: 'FORBIDDEN', message: 'you can only change your own messages' });
    const del = await bob!.cli(['delete', `${room}#1`]);
    expect(del.status).toBe(1);
    // a plain member may delete only their own; moderators and the owner anyone's (rooms-e2e)
    expect(errorLine(del)).toBe(`tidings: only moderators and the owner of ${room} may remove other people’s messages`);
    expect(withoutTimes(await ok(bob!, ['history', room]))[0]).toBe(`#1  ${alice!.username}: the typo (edited)`);
  });

  it('moves the read marker, so rooms counts fewer unread', async () => {
    const [alice, bob] = await people(chat, 'alice', 'bob');
    const room = uniqueRoom('marks');
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(alice!, ['send', room, '--stdin'], 'a\nb\nc\nd\n');
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +2 members +4 unread$`, 'm'));
    expect(await ok(bob!, ['read', room, '1'])).toBe(`${room} read up to #1\n`);
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +2 members +3 unread$`, 'm'));
    expect(await ok(bob!, ['read', room])).toBe(`${room} read up to #4\n`);
    expect(await ok(bob!, ['read', room, '2'])).toBe(`${room} read up to #4\n`); // never back
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +2 members$`, 'm'));
  });
});

describe('the user directory from the terminal', () => {
  it('lists users with online state, last seen and the time of their last message', async () => {
    const [alice, bob] = await people(chat, 'alice', 'bob');
    await ok(alice!, ['dm', bob!.username, 'are you there?']);
    const dave = uniqueUser('dave');
    const laptop = await chat.device(dave, 'laptop');

    await eventually(async () => {
      const users = json(await ok(bob!, ['users', '--json'])).data!.users as { u: string; online: boolean; seen?: number; lastMsg?: number }[];
      expect(users.find((u) => u.u === dave)).toEqual({ u: dave, online: true });
      const a = users.find((u) => u.u === alice!.username)!;
      expect(a.lastMsg).toEqual(expect.any(Number));
      expect(a.online).toBe(false);
      expect(users.find((u) => u.u === bob!.username)).toEqual(expect.objectContaining({ u: bob!.username }));
    });
    const text = await ok(bob!, ['users']);
    expect(text).toMatch(new RegExp(`^●  ${dave} +online +no messages$`, 'm'));
    expect(text).toMatch(new RegExp(`^○  ${alice!.username} +offline +seen [0-9: -]+ +last message [0-9: -]+$`, 'm'));

    await laptop.close();
    await eventually(async () => {
      expect(await ok(bob!, ['users'])).toMatch(new RegExp(`^○  ${dave} +offline +seen [0-9: -]+ +no messages$`, 'm'));
    });
  });
});

describe('long lists from the terminal', () => {
  it('rooms and users read every page: past 500 entries, and conversations whose last messages fill a page each two', async () => {
    const [bob] = await people(chat, 'bob');
    const prisma = chat.stack.db.prisma;
    const tag = `${process.pid % 1000}`;
    const roomNames = Array.from({ length: 520 }, (_, i) => `many-${tag}-${String(i).padStart(3, '0')}`);
    await prisma.conversation.createMany({ data: roomNames.map((name) => ({ id: `room_${name}`, kind: 'room', name })) });
    const usernames = Array.from({ length: 520 }, (_, i) => `many${tag}.${String(i).padStart(3, '0')}`);
    await prisma.user.createMany({ data: usernames.map((username) => ({ id: `user_${username}`, username, passwordHash: '!' })) });
    // bob is in 12 rooms whose last message is 4,000 characters JSON writes as 6-byte escapes: two to a page
    const bobId = (await prisma.user.findUniqueOrThrow({ where: { username: bob!.username } })).id;
    const long = roomNames.slice(0, 12);
    for (const [i, name] of long.entries()) {
      await prisma.membership.create({ data: { conversationId: `room_${name}`, userId: bobId, joinedAt: new Date(Date.now() - 60_000 + i) } });
      await prisma.message.create({
        data: {
          id: `m_${name}`,
          conversationId: `room_${name}`,
          seq: 1,
          senderId: bobId,
          clientKey: `k_${name}`,
          text: '\u0001'.repeat(4000),
          createdAt: new Date(Date.now() - 30_000 + i),
        },
      });
      await prisma.conversation.update({ where: { id: `room_${name}` }, data: { lastSeq: 1 } });
    }

    const rooms = json(await ok(bob!, ['rooms', '--json'])).data!.rooms as { name: string; joined: boolean; unread?: number }[];
    expect(rooms.filter((r) => r.name.startsWith(`many-${tag}-`)).map((r) => r.name)).toEqual(roomNames);
    // every joined room has its unread count: it came from every page of the conversations
    expect(rooms.filter((r) => long.includes(r.name))).toEqual(long.map((name): unknown => expect.objectContaining({ name, joined: true, unread: 1 })));
    const users = json(await ok(bob!, ['users', '--json'])).data!.users as { u: string }[];
    expect(users.filter((u) => u.u.startsWith(`many${tag}.`)).map((u) => u.u)).toEqual(usernames);
  });
});

describe('search from the terminal', () => {
  it('finds words in your rooms and DMs, newest first, pages with --before, narrows with --room, and refuses bad input', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const room = uniqueRoom('search');
    const word = `kumquat${process.pid % 1000}x${rooms}`;
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(alice!, ['send', room, '--stdin'], Array.from({ length: 5 }, (_, i) => `${word} number ${i + 1}`).join('\n'));
    await ok(bob!, ['dm', alice!.username, `${word} in private`]);
    const withoutTime = (stdout: string) =>
      stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/ {2}\d\d:\d\d {2}/, '  '));

    const first = withoutTime(await ok(alice!, ['search', word, '--limit', '3']));
    const dmRef = `@${bob!.username}#1`;
    const width = Math.max(dmRef.length, `${room}#5`.length);
    expect(first.slice(0, 3)).toEqual([
      `${dmRef.padEnd(width)}  ${bob!.username}: ${word} in private`,
      `${`${room}#5`.padEnd(width)}  ${alice!.username}: ${word} number 5`,
      `${`${room}#4`.padEnd(width)}  ${alice!.username}: ${word} number 4`,
    ]);
    const hint = first[3]!;
    expect(hint).toMatch(new RegExp(`^… older: tidings search ${word} --limit 3 --before \\S+$`));
    const rest = withoutTime(await ok(alice!, ['search', word, '--limit', '3', '--before', hint.split(' ').pop()!]));
    expect(rest).toEqual([3, 2, 1].map((n) => `${room}#${n}  ${alice!.username}: ${word} number ${n}`));

    const narrowed = JSON.parse(await ok(alice!, ['search', `${word} NUMBER 2`, '--room', room, '--json'])) as {
      data: { hits: { r: string }[]; more: boolean };
    };
    expect(narrowed.data.hits.map((h) => h.r)).toEqual([`${room}#2`]);
    expect(narrowed.data.more).toBe(false);
    // carol is in neither conversation
    expect(await ok(carol!, ['search', word])).toBe('no messages found\n');
    const forbidden = await carol!.cli(['search', word, '--room', room]);
    expect(forbidden.status).not.toBe(0);
    expect(errorLine(forbidden)).toMatch(/not in room/);

    for (const argv of [['search'], ['search', '!!!'], ['search', 'x', '--limit', '0'], ['search', 'x', '--room', 'Bad Room!'], ['search', 'x'.repeat(201)]]) {
      const bad = await alice!.cli(argv);
      expect(bad.status, argv.join(' ')).not.toBe(0);
      expect(bad.stdout).toBe('');
      expect(bad.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
