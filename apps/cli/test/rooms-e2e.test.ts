import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatStack, type ChatStack, type Machine, ok, people, withoutTimes } from './chat-stack.js';
import { errorLine, type CliResult } from './helpers.js';

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

type Json = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string; retryAfter?: number } };
const json = (stdout: string) => JSON.parse(stdout) as Json;

/** A failure: exit 1, the service's code, and the same message as the one line on stderr. */
async function refused(m: Machine, argv: string[]): Promise<{ code: string; message: string; text: CliResult }> {
  const asJson = await m.cli([...argv, '--json']);
  expect(asJson.status, `${argv.join(' ')}: ${asJson.stderr}`).toBe(1);
  const error = json(asJson.stdout).error!;
  const text = await m.cli(argv);
  expect(text.status).toBe(1);
  expect(text.stdout).toBe('');
  expect(errorLine(text)).toBe(`tidings: ${error.message}`);
  return { code: error.code, message: error.message, text };
}

describe('private rooms from the terminal', () => {
  it('creates a private room with a topic, invites into it, and shows it only to its members', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const room = uniqueRoom('staff');

    expect(await ok(alice!, ['create', room, '--private', '--topic', 'pay day'])).toBe(`created private room ${room} (you own it)\n`);
    expect(await ok(alice!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +1 member +private$`, 'm'));
    expect(JSON.stringify(json(await ok(carol!, ['rooms', '--json'])).data)).not.toContain(room);
    expect((await refused(carol!, ['join', room])).code).toMatch(/^(FORBIDDEN|NOT_FOUND)$/);
    expect((await refused(carol!, ['info', room])).code).toMatch(/^(FORBIDDEN|NOT_FOUND)$/);

    expect(await ok(alice!, ['invite', room, bob!.username])).toBe(`added ${bob!.username} to ${room}\n`);
    expect(await ok(alice!, ['invite', room, `@${bob!.username.toUpperCase()}`])).toBe(`${bob!.username} is in ${room} already\n`);
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${room} +2 members +private`, 'm'));

    const list = await ok(bob!, ['members', room]);
    expect(list).toMatch(new RegExp(`^${alice!.username} +owner$`, 'm'));
    expect(list).toMatch(new RegExp(`^${bob!.username} +member$`, 'm'));
    expect(list).toMatch(/^2 members\n$/m);
    const members = json(await ok(bob!, ['members', room, '--json'])).data!;
    expect(members).toEqual({
      name: room,
      members: expect.arrayContaining([
        { u: alice!.username, role: 'owner' },
        { u: bob!.username, role: 'member' },
      ]),
    });

    expect((await ok(bob!, ['info', room])).split('\n').slice(0, 4)).toEqual([
      `${room}  private (invite only), 2 members, 1 message`,
      'topic: pay day',
      `owner: ${alice!.username}`,
      'you:   a member',
    ]);
    expect(await ok(bob!, ['topic', room])).toBe(`${room}: pay day\n`);
    expect(await ok(alice!, ['topic', room, 'pay', 'day', 'is', 'friday'])).toBe(`set the topic of ${room}\n`);
    expect(await ok(alice!, ['topic', room, 'pay day is friday'])).toBe(`the topic of ${room} is that already\n`);
    expect(await ok(bob!, ['topic', room])).toBe(`${room}: pay day is friday\n`);
    expect(await ok(alice!, ['topic', room, '--clear'])).toBe(`cleared the topic of ${room}\n`);
    expect(await ok(bob!, ['topic', room])).toBe(`${room} has no topic\n`);

    expect(withoutTimes(await ok(bob!, ['history', room]))).toEqual([
      `#1  * ${alice!.username} added ${bob!.username}`,
      `#2  * ${alice!.username} set the topic: pay day is friday`,
      `#3  * ${alice!.username} cleared the topic`,
    ]);
  });
});

describe('moderating a room from the terminal', () => {
  it('makes a moderator, who mutes, kicks, bans and unbans; the owner hands the room over; history tells it all', async () => {
    const [alice, bob, carol, dave] = await people(chat, 'alice', 'bob', 'carol', 'dave');
    const room = uniqueRoom('mods');
    const [a, b, c, d] = [alice!.username, bob!.username, carol!.username, dave!.username];
    await ok(alice!, ['create', room]);
    for (const m of [bob!, carol!, dave!]) await ok(m, ['join', room]);

    expect(await ok(alice!, ['mod', room, b])).toBe(`${b} is a moderator of ${room} now\n`);
    expect(await ok(alice!, ['mod', room, b])).toBe(`${b} is a moderator of ${room} already\n`);

    const mute = json(await ok(bob!, ['mute', room, c, '10m', '--json'])).data!;
    expect(mute).toMatchObject({ name: room, u: c, seconds: 600, changed: true, until: expect.any(Number) });
    expect(Math.abs((mute.until as number) - (Date.now() + 600_000))).toBeLessThan(60_000);
    const muted = await refused(carol!, ['send', room, 'let me speak']);
    expect(muted.code).toBe('FORBIDDEN');
    expect(muted.message).toMatch(/until/);
    expect(await ok(bob!, ['members', room])).toMatch(new RegExp(`^${c} +member +muted until \\d\\d:\\d\\d$`, 'm'));
    expect(await ok(bob!, ['mute', room, c, '--off'])).toBe(`lifted the mute of ${c} in ${room}\n`);
    expect(await ok(bob!, ['mute', room, c, '0'])).toBe(`${c} is not muted in ${room}\n`);
    await ok(carol!, ['send', room, 'thanks']);

    expect(await ok(bob!, ['kick', room, d])).toBe(`kicked ${d} from ${room}\n`);
    expect(await ok(dave!, ['rooms'])).toMatch(new RegExp(`^   ${room} +3 members +not joined$`, 'm'));
    await ok(dave!, ['join', room]);
    expect(await ok(bob!, ['ban', room, d])).toBe(`banned ${d} from ${room}\n`);
    expect(await ok(bob!, ['ban', room, d])).toBe(`${d} is banned from ${room} already\n`);
    expect((await refused(dave!, ['join', room])).code).toBe('FORBIDDEN');
    expect(await ok(bob!, ['members', room, '--banned'])).toMatch(new RegExp(`^${d} +banned by ${b} +\\d\\d:\\d\\d\n$`));
    expect(await ok(bob!, ['unban', room, d])).toBe(`lifted the ban of ${d} from ${room}\n`);
    expect(await ok(bob!, ['unban', room, d])).toBe(`${d} is not banned from ${room}\n`);
    await ok(dave!, ['join', room]);

    expect(await ok(alice!, ['owner', room, b])).toBe(`handed ${room} over: ${b} owns it now, and you are a moderator\n`);
    expect(await ok(bob!, ['info', room])).toMatch(new RegExp(`^owner: ${b}\nyou: {3}the owner$`, 'm'));
    expect(await ok(alice!, ['info', room])).toMatch(/^you: {3}a moderator$/m);
    expect(await ok(bob!, ['mod', room, a, '--off'])).toBe(`${a} is a member (not a moderator) of ${room} now\n`);

    const history = withoutTimes(await ok(dave!, ['history', room]));
    expect(history.filter((l) => l.includes('* '))).toEqual([
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${a} made ${b} a moderator$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} muted ${c} until \\d\\d:\\d\\d$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} unmuted ${c}$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} kicked ${d}$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} banned ${d}$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} unbanned ${d}$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${a} handed the room over to ${b}$`)),
      expect.stringMatching(new RegExp(`^ *#\\d+  \\* ${b} made ${a} a member \\(no longer a moderator\\)$`)),
    ]);
    expect(history).toContainEqual(expect.stringMatching(new RegExp(`^ *#\\d+  ${c}: thanks$`)));
  });

  it('refuses every moderator command to a plain member with the service’s FORBIDDEN message (exit 1)', async () => {
    const [alice, bob, carol, erin] = await people(chat, 'alice', 'bob', 'carol', 'erin');
    const room = uniqueRoom('plain');
    const [c, e] = [carol!.username, erin!.username];
    await ok(alice!, ['create', room]);
    await ok(bob!, ['join', room]);
    await ok(carol!, ['join', room]);
    await ok(alice!, ['ban', room, e]);

    for (const argv of [
      ['invite', room, e],
      ['kick', room, c],
      ['ban', room, c],
      ['unban', room, e],
      ['mute', room, c, '10m'],
      ['mute', room, c, '--off'],
      ['mod', room, c],
      ['mod', room, c, '--off'],
      ['owner', room, c],
      ['topic', room, 'mine now'],
      ['topic', room, '--clear'],
      ['members', room, '--banned'],
    ]) {
      const failure = await refused(bob!, argv);
      expect(failure.code, argv.join(' ')).toBe('FORBIDDEN');
      expect(failure.message.length, argv.join(' ')).toBeGreaterThan(0);
    }
    // Nothing changed: carol is a member still, erin still banned, no topic.
    expect(await ok(alice!, ['members', room])).toMatch(new RegExp(`^${c} +member$`, 'm'));
    expect(await ok(alice!, ['members', room, '--banned'])).toMatch(new RegExp(`^${e} +banned by`));
    expect(await ok(bob!, ['topic', room])).toBe(`${room} has no topic\n`);
  });
});

describe('watching a room that is moderated, and mentions', () => {
  it('prints room events and removals as they happen, and a line when you are mentioned elsewhere', async () => {
    const [alice, bob, carol] = await people(chat, 'alice', 'bob', 'carol');
    const [a, b, c] = [alice!.username, bob!.username, carol!.username];
    const room = uniqueRoom('watched');
    const other = uniqueRoom('elsewhere');
    await ok(alice!, ['create', room]);
    await ok(alice!, ['create', other]);
    for (const m of [bob!, carol!]) await ok(m, ['join', room]);
    await ok(bob!, ['join', other]);
    expect(await ok(carol!, ['send', room, 'buy cheap things'])).toBe(`sent ${room}#1\n`);

    const watch = bob!.start(['watch', room, '--no-presence']);
    const carolWatch = carol!.start(['watch', room, '--no-presence', '--json']);
    await watch.stderr.waitFor(`watching ${room}`);
    await carolWatch.stdout.waitFor('"type":"ready"');
    await ok(alice!, ['send', other, `hey @${b}, look at this`]);
    await watch.stderr.waitFor(`${a} mentioned you in ${other}#1`);
    await ok(alice!, ['delete', `${room}#1`]);
    await watch.stdout.waitFor('[removed by a moderator]');
    await ok(alice!, ['ban', room, c]);
    await watch.stdout.waitFor(`* ${a} banned ${c}`);
    // carol's own watch says she is out
    await carolWatch.stdout.waitFor(`{"type":"membership","c":"${room}","on":false}`);
    carolWatch.signals.emit('SIGINT');
    expect((await carolWatch.done).status).toBe(0);
    await ok(alice!, ['topic', room, 'no', 'spam']);
    await watch.stdout.waitFor(`* ${a} set the topic: no spam`);
    watch.signals.emit('SIGINT');
    const result = await watch.done;
    expect(result.status).toBe(0);
    const out = withoutTimes(result.stdout);
    expect(out[0]).toBe(`#1  ${c}: buy cheap things`);
    expect(out).toContain(`#1  ${c}: [removed by a moderator]`);
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^#\\d+  \\* ${a} removed message #1$`)));
    expect(out.indexOf(`#1  ${c}: [removed by a moderator]`)).toBeGreaterThan(0);

    expect(withoutTimes(await ok(bob!, ['history', room]))[0]).toBe(`#1  ${c}: [removed by a moderator]`);
    expect(await ok(bob!, ['rooms'])).toMatch(new RegExp(`^\\*  ${other} +2 members +1 unread, 1 mention of you$`, 'm'));
  });
});
