import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ConfigError, ServiceEnv, SETTINGS, envSchema, loadConfig, settingsReadBy, type Setting, type SettingName } from '../src/index.js';

const names = Object.keys(SETTINGS) as SettingName[];

describe('the settings table', () => {
  it('gives each setting with a default the default its table row shows, and reads that value as the same', () => {
    for (const name of names) {
      const s: Setting = SETTINGS[name];
      const unset: unknown = s.schema.parse(undefined);
      if (unset === undefined) continue; // its reader decides; the row describes it
      const literal = /^`([^`]+)`$/.exec(s.default);
      expect(literal, `${name}: a default of ${JSON.stringify(unset)} shown as ${s.default}`).not.toBeNull();
      expect(s.schema.parse(literal![1]), name).toEqual(unset);
    }
  });

  it('reads an empty value as unset', () => {
    for (const name of names) expect(SETTINGS[name].schema.parse(''), name).toEqual(SETTINGS[name].schema.parse(undefined));
  });

  it('has a service read every setting its table row says (ServiceEnv: those of every service)', () => {
    expect(Object.keys(ServiceEnv.shape).sort()).toEqual(settingsReadBy('services').sort());
  });
});

describe('a bad setting', () => {
  const problem = (env: Record<string, string>, schema: z.ZodObject = ServiceEnv): string => {
    try {
      loadConfig(schema, env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`accepted: ${JSON.stringify(env)}`);
  };

  it('is one line naming the variable, what it accepts and what it got', () => {
    expect(problem({ TIDINGS_MQTT_PORT: 'abc' })).toBe('TIDINGS_MQTT_PORT must be a port number 0–65535 (got "abc")');
    expect(problem({ TIDINGS_MQTT_PORT: '65536' })).toBe('TIDINGS_MQTT_PORT must be a port number 0–65535 (got "65536")');
    expect(problem({ TIDINGS_LOG_LEVEL: 'loud' })).toBe('TIDINGS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
    expect(problem({ TIDINGS_MQTT_URL: 'localhost:1883' })).toBe('TIDINGS_MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL (got "localhost:1883")');
    const flags = envSchema('TIDINGS_TRUST_PROXY', 'TIDINGS_SESSION_TTL_DAYS');
    expect(problem({ TIDINGS_TRUST_PROXY: 'maybe' }, flags)).toBe('TIDINGS_TRUST_PROXY must be on or off (or 1/0, true/false, yes/no) (got "maybe")');
    expect(problem({ TIDINGS_SESSION_TTL_DAYS: '0' }, flags)).toBe('TIDINGS_SESSION_TTL_DAYS must be a number of days above 0, at most 366 (got "0")');
  });

  it('refuses what Number() would let through: exponents, hex, signs, spaces, fractions of whole numbers', () => {
    for (const value of ['1e3', '0x10', '+5', ' 5', '5 ', '200.5', '-1', 'Infinity']) {
      expect(problem({ TIDINGS_RECONNECT_BASE_MS: value }), value).toMatch(/^TIDINGS_RECONNECT_BASE_MS must be a whole number 10–60,000 \(got /);
    }
  });

  it('puts several problems on the same line, and never shows a secret', () => {
    const line = problem({ TIDINGS_SERVICE_SECRET: 'hunter2', DATABASE_URL: 'mysql://root:hunter2@db/tidings', TIDINGS_BROKER_DROPS_MAX: 'many' });
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('TIDINGS_SERVICE_SECRET must be at least 16 characters (got a value of 7 characters)');
    expect(line).toContain('DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL (got a value of 31 characters)');
    expect(line).toContain('TIDINGS_BROKER_DROPS_MAX must be a whole number 0–1,000 (got "many")');
    expect(line).not.toContain('hunter2');
  });
});
