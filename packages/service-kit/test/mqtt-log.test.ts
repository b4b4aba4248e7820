import { connect } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { mqttDebugLog } from '../src/index.js';

describe("mqtt.js's debug log for service clients", () => {
  it('is a no-op unless DEBUG asks for mqttjs', () => {
    const log = mqttDebugLog({});
    expect(log).toBeTypeOf('function');
    expect(log!('anything', 1, {})).toBeUndefined();
    expect(mqttDebugLog({ DEBUG: 'tidings:*' })).toBe(log);
  });

  it("is left to mqtt.js's own debug logger when DEBUG names mqttjs", () => {
    expect(mqttDebugLog({ DEBUG: 'mqttjs*' })).toBeUndefined();
    expect(mqttDebugLog({ DEBUG: 'aedes,mqttjs:client' })).toBeUndefined();
  });

  it('replaces the logger mqtt.js would make (the option is the one mqtt.js reads)', () => {
    const log = mqttDebugLog({})!;
    // manualConnect: the clients are made, never connected (nothing to end).
    const client = connect('mqtt://127.0.0.1:1', { manualConnect: true, reconnectPeriod: 0, log });
    expect((client as unknown as { log: unknown }).log).toBe(log);
    const byDefault = connect('mqtt://127.0.0.1:1', { manualConnect: true, reconnectPeriod: 0 });
    expect((byDefault as unknown as { log: unknown }).log).not.toBe(log);
  });
});
