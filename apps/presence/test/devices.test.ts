import { topics } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { DeviceMap, parseDeviceMessage } from '../src/devices.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('parseDeviceMessage', () => {
  it('reads 1 as connected and 0 as gone', () => {
    const topic = topics.devicePresence('alice', 'alice:phone');
    expect(parseDeviceMessage(topic, b('1'))).toEqual({ ok: true, report: { username: 'alice', clientId: 'alice:phone', connected: true } });
    expect(parseDeviceMessage(topic, b('0'))).toEqual({ ok: true, report: { username: 'alice', clientId: 'alice:phone', connected: false } });
  });

  it('reads a cleared retained message (empty payload) as gone', () => {
    expect(parseDeviceMessage(topics.devicePresence('alice', 'alice:phone'), b(''))).toMatchObject({ ok: true, report: { connected: false } });
  });

  it('refuses any other payload', () => {
    const topic = topics.devicePresence('alice', 'alice:phone');
    for (const payload of ['2', 'yes', '10', ' 1', 'true', '{"on":true}', '\u0000']) {
      expect(parseDeviceMessage(topic, b(payload)), payload).toMatchObject({ ok: false });
    }
  });

  it('refuses a client id that does not belong to the username level', () => {
    for (const [user, clientId] of [
      ['alice', 'bob:phone'],
      ['alice', 'alice'],
      ['alice', 'g:abcdefgh12'],
      ['alice', 'svc:presence:x1'],
      ['alice', 'alice:'],
      ['Alice', 'Alice:phone'],
    ] as const) {
      expect(parseDeviceMessage(topics.devicePresence(user, clientId), b('1')), clientId).toEqual({
        ok: false,
        reason: 'the client id does not belong to the username',
      });
    }
  });

  it('returns null for topics that are not device topics', () => {
    expect(parseDeviceMessage(topics.presence('alice'), b('1'))).toBeNull();
    expect(parseDeviceMessage(topics.userRequest('alice:phone', 'chat.typing'), b('1'))).toBeNull();
    expect(parseDeviceMessage('t/d/alice', b('1'))).toBeNull();
    expect(parseDeviceMessage('t/d/alice/alice:phone/extra', b('1'))).toBeNull();
  });
});

describe('DeviceMap', () => {
  const report = (username: string, device: string, connected: boolean) => ({ username, clientId: `${username}:${device}`, connected });

  it('makes a user online with the first device and offline when the last one goes', () => {
    const map = new DeviceMap();
    expect(map.set(report('alice', 'phone', true))).toBe('on');
    expect(map.isOnline('alice')).toBe(true);
    expect(map.set(report('alice', 'phone', false))).toBe('off');
    expect(map.isOnline('alice')).toBe(false);
    expect(map.onlineUsers()).toEqual([]);
  });

  it('keeps a user online while a second device is still connected', () => {
    const map = new DeviceMap();
    expect(map.set(report('alice', 'phone', true))).toBe('on');
    expect(map.set(report('alice', 'laptop', true))).toBeNull();
    expect(map.set(report('alice', 'phone', false))).toBeNull();
    expect(map.isOnline('alice')).toBe(true);
    expect(map.devicesOf('alice')).toEqual(['alice:laptop']);
    expect(map.set(report('alice', 'laptop', false))).toBe('off');
  });

  it('ignores repeated reports of the same state', () => {
    const map = new DeviceMap();
    expect(map.set(report('bob', 'phone', false))).toBeNull();
    expect(map.set(report('bob', 'phone', true))).toBe('on');
    expect(map.set(report('bob', 'phone', true))).toBeNull();
    expect(map.set(report('bob', 'phone', false))).toBe('off');
    expect(map.set(report('bob', 'phone', false))).toBeNull();
  });

  it('keeps users apart', () => {
    const map = new DeviceMap();
    map.set(report('alice', 'phone', true));
    map.set(report('bob', 'phone', true));
    expect(map.set(report('bob', 'phone', false))).toBe('off');
    expect(map.onlineUsers()).toEqual(['alice']);
  });
});
