/**
 * mqtt.js for the browser. `@tidings/client` does `import { connect } from 'mqtt'`; mqtt 5's
 * browser build (`dist/mqtt.esm.js`, Buffer/process polyfills included) has only a default
 * export, so vite.config.ts aliases the bare specifier 'mqtt' to this module.
 */
// @ts-expect-error: the prebuilt browser bundle ships no type declarations
import mqtt from 'mqtt/dist/mqtt.esm';
import type * as Mqtt from 'mqtt';

const lib = mqtt as typeof Mqtt;
export const connect: typeof Mqtt.connect = lib.connect;
export default lib;
