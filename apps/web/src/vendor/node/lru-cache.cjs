// `lru-cache` for mqtt.js in the browser: only its MQTT 5 topic-alias table uses it
// (topic-alias-send.js: get, set, size, clear and keys() from the most recently used), and only
// when a broker grants topic aliases — ours speaks MQTT 3.1.1, where that never happens. This Map
// does the same in 20 lines instead of lru-cache's 6 KB (test/vendor.test.ts compares the two).
class LRUCache {
  #map = new Map();
  #max;
  constructor({ max }) {
    this.#max = max;
  }
  get size() {
    return this.#map.size;
  }
  has(key) {
    return this.#map.has(key);
  }
  get(key) {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key);
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }
  set(key, value) {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value);
    return this;
  }
  delete(key) {
    return this.#map.delete(key);
  }
  clear() {
    this.#map.clear();
  }
  *keys() {
    yield* [...this.#map.keys()].reverse();
  }
}
module.exports = { LRUCache };
