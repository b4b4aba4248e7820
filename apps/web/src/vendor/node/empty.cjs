// Node-only modules mqtt.js requires for TCP/TLS/SOCKS and the `ws` package: the browser uses
// its own WebSocket, so they are never called.
module.exports = {};
