// `debug` for mqtt.js and mqtt-packet in the browser: logging off, nothing bundled.
module.exports = function debug() {
  const log = () => {};
  log.enabled = false;
  log.extend = () => log;
  return log;
};
