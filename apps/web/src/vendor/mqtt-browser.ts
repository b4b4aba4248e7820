/**
 * mqtt.js for the browser, bundled from its own sources (`mqtt/build/*`) rather than its
 * prebuilt browser file (`mqtt/dist/mqtt.esm.js`): with small stand-ins for the Node modules
 * it touches (vite.config.ts) it is ≈ 30 KB gzipped lighter, and it has no `blob:` worker.
 * `@tidings/client` does `import { connect } from 'mqtt'`; vite.config.ts points that here.
 */
import './node-globals.js';
import * as mqtt from 'mqtt/mqtt';

export const connect: typeof mqtt.connect = mqtt.connect;
export default mqtt;
