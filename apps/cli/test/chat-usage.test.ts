import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/args.js';
import { commands } from '../src/commands/index.js';
import { errorLine, runCli } from './helpers.js';

// No test here reaches a broker: every command line below is refused before connecting (there
// is no session in this home, so one that got past its checks would fail with "not signed in").
const env = { TIDINGS_CLI_HOME: '/nonexistent/tidings-cli-chat-usage-test' };

describe('the chat commands refuse a bad command line before connecting', () => {
  it.each([
    [['send'], 'tidings: send needs <room|@user> (see tidings send --help)'],
    [['send', 'general'], 'tidings: send needs the text of the message (see tidings send --help)'],
    [['send', 'general', '  ', ' '], 'tidings: send needs the text of the message (see tidings send --help)'],
    [['send', 'general', 'hi', '--stdin'], 'tidings: give the text or --stdin, not both (see tidings send --help)'],
    [['send', 'no such!', 'hi'], 'tidings: not a room or @user: no such! (a room name has 2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['send', 'x', 'hi'], 'tidings: not a room or @user: x (a room name has 2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['send', '@b', 'hi'], 'tidings: not a user: @b (a username has 3–32 of a-z 0-9 _ . -)'],
    [['dm'], 'tidings: dm needs <user> (see tidings dm --help)'],
    [['dm', 'bob'], 'tidings: dm needs the text of the message (see tidings dm --help)'],
    [['dm', 'bob!', 'hi'], 'tidings: not a username: bob! (3–32 of a-z 0-9 _ . -)'],
    [['history'], 'tidings: history needs <room|@user> (see tidings history --help)'],
    [['history', 'general', '--before', '9', '--after', '2'], 'tidings: give --before or --after, not both'],
    [['history', 'general', '--limit', '0'], 'tidings: --limit takes a whole number from 1 to 100: 0'],
    [['history', 'general', '--limit', '101'], 'tidings: --limit takes a whole number from 1 to 100: 101'],
    [['history', 'general', '--limit', 'ten'], 'tidings: --limit takes a whole number from 1 to 100: ten'],
    [['history', 'general', '--limit', '2.5'], 'tidings: --limit takes a whole number from 1 to 100: 2.5'],
    [['history', 'general', '--before', '0'], 'tidings: --before takes a whole number of at least 1: 0'],
    [['history', 'general', '--after', 'x'], 'tidings: --after takes a whole number of at least 0: x'],
    [['history', 'general', '--after', '99999999999'], 'tidings: --after takes a whole number of at least 0: 99999999999'],
    [['history', 'general', 'extra'], 'tidings: unexpected argument "extra" (see tidings history --help)'],
    [['like'], 'tidings: like needs <message> (see tidings like --help)'],
    [['like', 'general'], 'tidings: not a message: general (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['like', 'general#0'], 'tidings: not a message: general#0 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['like', 'general#x'], 'tidings: not a message: general#x (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['like', 'general#1.5'], 'tidings: not a message: general#1.5 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['like', 'general#-3'], 'tidings: not a message: general#-3 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['like', '#3'], 'tidings: not a message: #3 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['react', 'general#3'], 'tidings: react needs <emoji> (see tidings react --help)'],
    [['react', 'general', '👍'], 'tidings: not a message: general (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['react', 'general#3', '👎'], 'tidings: not a reaction: 👎 (one of 👍 ❤️ 😂 🎉 😮 😢, or +1, thumbsup, heart, like, laugh, joy, tada, party, wow, sad)'],
    [['react', 'general#3', '👍', '--of'], 'tidings: unknown option --of'],
    [
      ['reactions', 'general#3', 'smile'],
      'tidings: not a reaction: smile (one of 👍 ❤️ 😂 🎉 😮 😢, or +1, thumbsup, heart, like, laugh, joy, tada, party, wow, sad)',
    ],
    [['unlike', '@b#3'], 'tidings: not a message: @b#3 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['delete', 'bad room#3'], 'tidings: not a message: bad room#3 (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['edit', 'general#3'], 'tidings: edit needs <text…> (see tidings edit --help)'],
    [['edit', 'general#3', ' '], 'tidings: edit needs the text of the message (see tidings edit --help)'],
    [['edit', 'general', 'new text'], 'tidings: not a message: general (write it as history prints it, e.g. general#12 or @bob#3)'],
    [['watch'], 'tidings: watch needs <room|@user> (see tidings watch --help)'],
    [['watch', 'general', '--for', '0'], 'tidings: --for takes a number of seconds above 0: 0'],
    [['watch', 'general', '--for', 'soon'], 'tidings: --for takes a number of seconds above 0: soon'],
    [['watch', 'general', '--limit', '500'], 'tidings: --limit takes a whole number from 1 to 100: 500'],
    [['read', 'general', 'last'], 'tidings: <n> takes a whole number of at least 0: last'],
    [['create', 'a'], 'tidings: not a room name: a (2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['create', '@bob'], 'tidings: not a room name: @bob (2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['join', 'bad name'], 'tidings: not a room name: bad name (2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['leave'], 'tidings: leave needs <room> (see tidings leave --help)'],
    [['rooms', 'extra'], 'tidings: unexpected argument "extra" (see tidings rooms --help)'],
    [['users', '--limit', '3'], 'tidings: unknown option --limit'],
    [['create', 'club', '--topic'], 'tidings: option --topic <value> argument missing'],
    [['invite', 'club'], 'tidings: invite needs <user> (see tidings invite --help)'],
    [['kick', 'club', 'b!'], 'tidings: not a username: b! (3–32 of a-z 0-9 _ . -)'],
    [['ban', 'bad room', 'bob'], 'tidings: not a room name: bad room (2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
    [['unban'], 'tidings: unban needs <room> (see tidings unban --help)'],
    [['mute', 'club', 'bob'], 'tidings: mute needs <duration> (e.g. 10m, 2h, 1d), or --off to lift it'],
    [['mute', 'club', 'bob', '10m', '--off'], 'tidings: give a duration or --off, not both'],
    [['mute', 'club', 'bob', '31d'], 'tidings: a mute lasts at most 30 days (30d): 31d'],
    [['mute', 'club', 'bob', '10'], 'tidings: not a duration: 10 (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    [['mod', 'club'], 'tidings: mod needs <user> (see tidings mod --help)'],
    [['mod', 'club', 'bob', 'carol'], 'tidings: unexpected argument "carol" (see tidings mod --help)'],
    [['owner', 'club', '@'], 'tidings: not a username: @ (3–32 of a-z 0-9 _ . -)'],
    [['topic'], 'tidings: topic needs <room> (see tidings topic --help)'],
    [['topic', 'club', 'new', 'topic', '--clear'], 'tidings: give the topic or --clear, not both'],
    [['topic', 'club', '  '], 'tidings: the topic is empty: give text, or --clear to remove it'],
    [['members', 'club', 'extra'], 'tidings: unexpected argument "extra" (see tidings members --help)'],
    [['info', '@bob'], 'tidings: not a room name: @bob (2–32 of a-z 0-9 _ -, starting with a letter or digit)'],
  ])('exits 2 with one line on stderr for %j', async (argv, line) => {
    const result = await runCli(argv, { env });
    expect(result.stdout).toBe('');
    expect(errorLine(result)).toBe(line);
    expect(result.status).toBe(2);
  });

  it('answers a usage error with the USAGE code under --json', async () => {
    const result = await runCli(['history', 'general', '--before', '3', '--after', '1', '--json'], { env });
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { code: 'USAGE', message: 'give --before or --after, not both' } });
  });

  it('refuses text over 4000 characters with BAD_REQUEST (exit 1) before connecting', async () => {
    const result = await runCli(['send', 'general', 'x'.repeat(4001), '--json'], { env });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: 'a message has at most 4000 characters' } });
  });

  it('refuses a topic over 300 characters with BAD_REQUEST (exit 1) before connecting', async () => {
    const result = await runCli(['topic', 'club', 'x'.repeat(301), '--json'], { env });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: 'a topic has at most 300 characters' } });
  });

  it('says "not signed in" (exit 1) for a well-formed command without a session', async () => {
    for (const argv of [
      ['rooms'],
      ['send', 'General', 'hello', 'there'],
      ['history', '@Bob', '--limit', '5'],
      ['like', 'General#12'],
      ['watch', 'general'],
      ['create', 'club', '--private', '--topic', 'ours'],
      ['mute', 'club', '@Bob', '1h30m'],
      ['mute', 'club', 'bob', '0'],
      ['mute', 'club', 'bob', '--off'],
      ['mod', 'club', 'bob', '--off'],
      ['topic', 'club'],
      ['topic', 'club', '--clear'],
      ['members', 'club', '--banned'],
    ]) {
      const result = await runCli(argv, { env });
      expect(errorLine(result)).toBe('tidings: not signed in: run tidings login <user>');
      expect(result.status).toBe(1);
    }
  });
});

describe('parsing the chat command lines', () => {
  const parse = (argv: string[]) => {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
    return parsed;
  };

  it('joins the rest of the arguments into the text with single spaces', () => {
    expect(parse(['send', 'general', 'hello', 'big', 'world']).args).toEqual({ conversation: 'general', text: 'hello big world' });
    expect(parse(['dm', 'bob', 'hi']).args).toEqual({ user: 'bob', text: 'hi' });
    expect(parse(['edit', 'general#3', 'new', 'text']).args).toEqual({ message: 'general#3', text: 'new text' });
  });

  it('takes text that looks like options after --, and options anywhere before it', () => {
    const parsed = parse(['send', '--json', 'general', '--', '-1', 'is', '--not', 'an option']);
    expect(parsed.args).toEqual({ conversation: 'general', text: '-1 is --not an option' });
    expect(parsed.global.json).toBe(true);
  });

  it('leaves the text out when only --stdin is given', () => {
    const parsed = parse(['send', 'general', '--stdin']);
    expect(parsed.args).toEqual({ conversation: 'general', text: undefined });
    expect(parsed.options).toEqual({ stdin: true });
  });

  it('reads history cursors and watch times as strings for the command to check', () => {
    expect(parse(['history', '@bob', '--before', '12', '--limit', '5']).options).toEqual({ before: '12', limit: '5' });
    expect(parse(['watch', 'general', '--for', '3', '--json']).options).toEqual({ for: '3' });
  });

  it('shows the variadic text in the help', async () => {
    const result = await runCli(['edit', '--help'], { env });
    expect(result.stdout).toMatch(/^Usage: tidings edit <message> <text…> \[options\]$/m);
    const send = await runCli(['send', '--help'], { env });
    expect(send.stdout).toMatch(/^Usage: tidings send <room\|@user> \[text…\] \[options\]$/m);
    expect(send.stdout).toContain('--stdin');
  });
});
