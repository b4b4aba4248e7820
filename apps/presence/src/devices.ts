import { DevicePresence, parseClientId, parseTopic } from '@tidings/protocol';

/** One device's connection state, read from `t/d/<username>/<clientId>`. */
export interface DeviceReport {
  username: string;
  clientId: string;
  connected: boolean;
}

export type DeviceParse = { ok: true; report: DeviceReport } | { ok: false; reason: string };

/**
 * Reads a message of a device presence topic. Returns null for a topic that is not one; a
 * refusal (with the reason, for a debug log) when the topic's levels do not belong together or
 * the payload is not `1`/`0`. An empty payload (the retained message was cleared) counts as
 * `0`: a device that cleared its state is not connected.
 */
export function parseDeviceMessage(topic: string, payload: Uint8Array): DeviceParse | null {
  const parsed = parseTopic(topic);
  if (!parsed || parsed.kind !== 'device-presence') return null;
  const { username, clientId } = parsed;
  const owner = parseClientId(clientId);
  if (owner.kind !== 'user' || owner.username !== username) {
    return { ok: false, reason: 'the client id does not belong to the username' };
  }
  if (payload.length === 0) return { ok: true, report: { username, clientId, connected: false } };
  if (payload.length > 1) return { ok: false, reason: 'the payload is not 1 or 0' };
  const state = DevicePresence.safeParse(Buffer.from(payload).toString('utf8'));
  if (!state.success) return { ok: false, reason: 'the payload is not 1 or 0' };
  return { ok: true, report: { username, clientId, connected: state.data === '1' } };
}

/** What a device report did to its user's aggregated presence. */
export type Transition = 'on' | 'off' | null;

/**
 * The connected devices of every user. A user is online while any device is connected: one of
 * two devices going away changes nothing; the last one going away makes the user offline.
 */
export class DeviceMap {
  readonly #byUser = new Map<string, Set<string>>();

  /** Records one device's state; says whether the user came online, went offline or neither. */
  set(report: DeviceReport): Transition {
    const { username, clientId, connected } = report;
    let devices = this.#byUser.get(username);
    if (connected) {
      if (devices?.has(clientId)) return null;
      if (!devices) {
        devices = new Set();
        this.#byUser.set(username, devices);
      }
      devices.add(clientId);
      return devices.size === 1 ? 'on' : null;
    }
    if (!devices?.delete(clientId)) return null;
    if (devices.size > 0) return null;
    this.#byUser.delete(username);
    return 'off';
  }

  isOnline(username: string): boolean {
    return this.#byUser.has(username);
  }

  /** The connected devices (client ids) of one user. */
  devicesOf(username: string): string[] {
    return [...(this.#byUser.get(username) ?? [])];
  }

  /** Every user with a connected device. */
  onlineUsers(): string[] {
    return [...this.#byUser.keys()];
  }

  clear(): void {
    this.#byUser.clear();
  }
}
