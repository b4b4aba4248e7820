// Parts of mqtt.js's dependencies that mqtt.js never calls, left out of the browser build
// (vite.config.ts): calling one is a bug to see at once, not a silent no-op.
module.exports = function unsupported() {
  throw new Error('not part of the browser build of mqtt.js (apps/web/vite.config.ts)');
};
