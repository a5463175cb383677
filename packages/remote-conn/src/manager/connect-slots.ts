/**
 * A FIFO counting semaphore bounding concurrent connection attempts (TCP + TLS + register), so a cold
 * start or a reconnect storm of thousands of nodes does not flood the machine.
 */
export class ConnectSlots {
  readonly limit: number;
  #active = 0;
  #queue: Array<{ grant: () => void }> = [];
  #peak = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Attempts running now. */
  get active(): number {
    return this.#active;
  }
  /** Attempts waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }
  /** Highest number of concurrent attempts seen. */
  get peak(): number {
    return this.#peak;
  }

  /** Waits for a slot; resolves with its release function (idempotent). Rejects with the signal's reason. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const release = this.#releaser();
    if (this.#active < this.limit) {
      this.#take();
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#take();
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      this.#queue.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #take(): void {
    this.#active++;
    if (this.#active > this.#peak) this.#peak = this.#active;
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      this.#queue.shift()?.grant();
    };
  }
}
