/**
 * Runs async tasks one after another per key, in the order they were given; different keys run
 * side by side. The likes service uses it per message so that, within this process, live counts
 * are published in the order their transactions committed (a late event never overwrites a
 * newer count on the clients).
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** How many keys have a task queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
