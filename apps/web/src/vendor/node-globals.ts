// The two Node globals mqtt.js's dependencies (readable-stream, mqtt-packet) use at run time.
// Imported before mqtt.js so they exist when its modules first run.
import { Buffer } from 'buffer';
import process from 'process';

const g = globalThis as unknown as { Buffer?: unknown; process?: unknown };
g.Buffer ??= Buffer;
g.process ??= process;
