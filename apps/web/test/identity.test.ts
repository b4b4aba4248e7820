import { describe, expect, it } from 'vitest';
import { brokerUrl } from '../src/app/broker-url.js';
import { FormError, checkCredentials, formError } from '../src/app/auth.js';
import { DEVICE_KEY, SESSION_KEY, deviceId, forgetUser, loadSession, saveSession, userKey } from '../src/state/identity.js';
import { memoryStore } from '../src/state/storage.js';
import { TidingsError } from '@tidings/protocol';

describe('the device id', () => {
  it('is made once per browser and then stays the same', () => {
    const kv = memoryStore();
    const first = deviceId(kv, () => 'abc123');
    expect(first).toBe('w-abc123');
    expect(deviceId(kv, () => 'other')).toBe(first);
  });

  it('is `w-` and 8 random url-safe characters by default', () => {
    const a = deviceId(memoryStore());
    const b = deviceId(memoryStore());
    expect(a).toMatch(/^w-[A-Za-z0-9_-]{8}$/);
    expect(b).not.toBe(a);
  });

  it('keeps a device id stored by an older version', () => {
    const kv = memoryStore(new Map([[DEVICE_KEY, 'web-abcdefghijkl']]));
    expect(deviceId(kv, () => 'fresh')).toBe('web-abcdefghijkl');
    expect(kv.get(DEVICE_KEY)).toBe('web-abcdefghijkl');
  });

  it('is replaced when the stored one is not a valid device label', () => {
    const kv = memoryStore(new Map([[DEVICE_KEY, 'has spaces and : colons']]));
    expect(deviceId(kv, () => 'fresh')).toBe('w-fresh');
  });
});

describe('the stored session', () => {
  const session = { username: 'alice', token: 'sid.secret', sessionId: 'sid12345', expiresAt: 10_000 };

  it('survives a reload until it expires', () => {
    const kv = memoryStore();
    saveSession(kv, session);
    expect(loadSession(kv, 9_999)).toEqual(session);
    expect(loadSession(kv, 10_000)).toBeNull();
    expect(kv.get(SESSION_KEY)).toBeNull();
  });

  it('is ignored when malformed', () => {
    expect(loadSession(memoryStore(new Map([[SESSION_KEY, '{"username":"A B"}']])), 0)).toBeNull();
    expect(loadSession(memoryStore(new Map([[SESSION_KEY, 'nope']])), 0)).toBeNull();
  });

  it('goes on sign-out together with that user’s cache and outbox, and nothing of anyone else', () => {
    const kv = memoryStore();
    saveSession(kv, session);
    kv.set(userKey('alice', 'chat'), '{}');
    kv.set(userKey('alice', 'outbox'), '[]');
    kv.set(userKey('alicia', 'chat'), '{}');
    kv.set(DEVICE_KEY, 'w-x');
    forgetUser(kv, 'alice');
    expect(kv.keys().sort()).toEqual([DEVICE_KEY, userKey('alicia', 'chat')].sort());
  });
});

describe('the broker address', () => {
  const at = (href: string) => {
    const u = new URL(href);
    return { href, search: u.search, hostname: u.hostname, protocol: u.protocol };
  };

  it('is the WebSocket at /mqtt on the page’s own origin', () => {
    expect(brokerUrl(at('http://chat.example.org/'), false)).toBe('ws://chat.example.org/mqtt');
    expect(brokerUrl(at('https://chat.example.org:8443/#/c/general'), false)).toBe('wss://chat.example.org:8443/mqtt');
    expect(brokerUrl(at('https://example.org/tidings/index.html?x=1'), false)).toBe('wss://example.org/tidings/mqtt');
  });

  it('takes ?broker= only in the dev server or on a page served from this machine', () => {
    const evil = '?broker=wss://evil.example/mqtt';
    expect(brokerUrl(at(`https://chat.example.org/${evil}`), false)).toBe('wss://chat.example.org/mqtt');
    expect(brokerUrl(at(`http://localhost:5173/${evil}`), false)).toBe('wss://evil.example/mqtt');
    expect(brokerUrl(at(`http://127.0.0.1:5173/${evil}`), false)).toBe('wss://evil.example/mqtt');
    expect(brokerUrl(at(`https://chat.example.org/${evil}`), true)).toBe('wss://evil.example/mqtt');
    expect(brokerUrl(at('http://localhost/?broker=javascript:alert(1)'), true)).toBe('ws://localhost/mqtt');
  });
});

describe('form errors', () => {
  it('sit next to the input they are about, in words', () => {
    expect(formError(new TidingsError('USERNAME_TAKEN', 'that username is taken'))).toMatchObject({ field: 'username', message: 'That username is taken.' });
    expect(formError(new TidingsError('INVALID_PASSWORD', 'too short'))).toMatchObject({ field: 'password' });
    expect(formError(new TidingsError('INVALID_CREDENTIALS', 'x'))).toMatchObject({ field: 'form', message: 'That username and password do not match.' });
    expect(formError(new TidingsError('RATE_LIMITED', 'x', { retryAfter: 12 })).message).toContain('12 seconds');
    expect(formError(new Error('boom'))).toBeInstanceOf(FormError);
  });

  it('are found before asking the server when the rules are broken', () => {
    expect(checkCredentials('ab', 'long enough password')?.field).toBe('username');
    expect(checkCredentials('alice', 'short')?.field).toBe('password');
    expect(checkCredentials('Alice', 'alice')?.field).toBe('password');
    expect(checkCredentials('alice', 'correct horse')).toBeNull();
  });
});
