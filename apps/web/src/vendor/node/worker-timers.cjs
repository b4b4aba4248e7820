// mqtt.js's default browser timers run in a worker built from a blob: URL, which the strict CSP
// refuses; the app passes its own same-origin worker timer (src/net/timer.ts) instead, so this
// stand-in (the page's own timers) is only the fallback and keeps the blob worker out of the bundle.
exports.setInterval = (fn, ms) => globalThis.setInterval(fn, ms);
exports.clearInterval = (id) => globalThis.clearInterval(id);
exports.setTimeout = (fn, ms) => globalThis.setTimeout(fn, ms);
exports.clearTimeout = (id) => globalThis.clearTimeout(id);
