import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A minimal MQTT 3.1.1 client over TCP for load generation: CONNECT, SUBSCRIBE, PUBLISH at QoS 0
 * or 1 and PUBACK, nothing else (no reconnect, no keepalive pings, no store). It exists so that a
 * generator spends little CPU per message — the machine under test has two cores, and mqtt.js
 * costs several times more per packet — and so that both brokers are driven by the very same
 * code. Writes made in one turn of the event loop go out in one `write`; the PUBACKs for the
 * publishes of one incoming chunk too. The bytes on the wire are standard MQTT: the wire-size
 * scenario uses the real client (@tidings/client on mqtt.js) instead.
 */

export interface LeanOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  clean?: boolean;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  timeoutMs?: number;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

const PUBACK_HEADER = 0x40;

export class LeanClient {
  readonly #socket: net.Socket;
  readonly #parser = mqttPacket.parser({ protocolVersion: 4 });
  readonly #onPuback = new Map<number, () => void>();
  readonly #onSuback = new Map<number, (granted: number[]) => void>();
  readonly #onUnsuback = new Map<number, () => void>();
  #nextId = 1;
  #out: Buffer[] = [];
  #flushScheduled = false;
  #acks: Buffer[] = [];
  #closed = false;
  onMessage: MessageHandler = () => {};
  onClose: (err?: Error) => void = () => {};

  private constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  static connect(options: LeanOptions): Promise<LeanClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port });
      socket.setNoDelay(true);
      const client = new LeanClient(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`CONNECT to ${options.host}:${options.port} timed out`));
      }, options.timeoutMs ?? 30_000);
      let connected = false;
      client.#parser.on('packet', (packet: mqttPacket.Packet) => {
        if (!connected) {
          if (packet.cmd !== 'connack') return;
          clearTimeout(timer);
          if (packet.returnCode !== 0) {
            socket.destroy();
            reject(new Error(`CONNACK refused (${packet.returnCode}) for ${options.clientId}`));
            return;
          }
          connected = true;
          resolve(client);
          return;
        }
        client.#handle(packet);
      });
      client.#parser.on('error', (err: Error) => socket.destroy(err));
      socket.on('data', (chunk: Buffer) => {
        client.#parser.parse(chunk);
        if (client.#acks.length > 0) {
          const acks = client.#acks.length === 1 ? client.#acks[0]! : Buffer.concat(client.#acks);
          client.#acks = [];
          socket.write(acks);
        }
      });
      socket.on('error', (err) => {
        if (!connected) {
          clearTimeout(timer);
          reject(err);
        }
      });
      socket.on('close', () => {
        client.#closed = true;
        if (connected) client.onClose();
      });
      socket.on('connect', () => {
        const connect: mqttPacket.IConnectPacket = {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: options.clean ?? true,
          clientId: options.clientId,
          keepalive: 0,
        };
        if (options.username !== undefined) connect.username = options.username;
        if (options.password !== undefined) connect.password = Buffer.from(options.password);
        if (options.will) connect.will = { ...options.will, payload: Buffer.from(options.will.payload) };
        socket.write(mqttPacket.generate(connect));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  subscribe(filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
    const messageId = this.#id();
    return new Promise((resolve) => {
      this.#onSuback.set(messageId, resolve);
      this.#write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: filters.map((topic) => ({ topic, qos })) }));
    });
  }

  /** Resolves at the UNSUBACK. */
  unsubscribe(filters: string[]): Promise<void> {
    const messageId = this.#id();
    return new Promise((resolve) => {
      this.#onUnsuback.set(messageId, resolve);
      this.#write(mqttPacket.generate({ cmd: 'unsubscribe', messageId, unsubscriptions: filters }));
    });
  }

  /** QoS 1: `onAck` runs at the PUBACK. QoS 0: nothing to wait for. */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1, onAck?: () => void): void {
    const packet: mqttPacket.IPublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos,
      dup: false,
      retain: false,
    };
    if (qos === 1) {
      packet.messageId = this.#id();
      if (onAck) this.#onPuback.set(packet.messageId, onAck);
      else this.#onPuback.set(packet.messageId, noop);
    }
    this.#write(mqttPacket.generate(packet));
  }

  /** Packets waiting for their PUBACK. */
  get inflight(): number {
    return this.#onPuback.size;
  }

  end(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#flush();
      this.#socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
      setTimeout(() => this.#socket.destroy(), 2000).unref();
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #handle(packet: mqttPacket.Packet): void {
    switch (packet.cmd) {
      case 'publish': {
        if (packet.qos === 1 && packet.messageId !== undefined) {
          const ack = Buffer.allocUnsafe(4);
          ack[0] = PUBACK_HEADER;
          ack[1] = 2;
          ack.writeUInt16BE(packet.messageId, 2);
          this.#acks.push(ack);
        }
        this.onMessage(packet.topic, packet.payload as Buffer);
        return;
      }
      case 'puback': {
        const id = packet.messageId!;
        const cb = this.#onPuback.get(id);
        if (cb) {
          this.#onPuback.delete(id);
          cb();
        }
        return;
      }
      case 'suback': {
        const id = packet.messageId ?? 0;
        const cb = this.#onSuback.get(id);
        this.#onSuback.delete(id);
        cb?.(packet.granted as number[]);
        return;
      }
      case 'unsuback': {
        const id = packet.messageId ?? 0;
        const cb = this.#onUnsuback.get(id);
        this.#onUnsuback.delete(id);
        cb?.();
        return;
      }
      default:
        return;
    }
  }

  #id(): number {
    // 1..65535, skipping ids still in flight
    for (let i = 0; i < 65_535; i++) {
      const id = this.#nextId;
      this.#nextId = id === 65_535 ? 1 : id + 1;
      if (!this.#onPuback.has(id) && !this.#onSuback.has(id) && !this.#onUnsuback.has(id)) return id;
    }
    throw new Error('no free packet id: 65535 packets in flight');
  }

  #write(buf: Buffer): void {
    this.#out.push(buf);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#out.length === 0 || this.#closed) return;
    const data = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out);
    this.#out = [];
    this.#socket.write(data);
  }
}

function noop(): void {}
