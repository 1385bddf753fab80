/**
 * SQLite has one connection, and a group-commit batch keeps its transaction open across awaits.
 * Everything that touches the connection takes turns through this gate: Kysely's queries, the
 * batches, and the prepared hot paths. So no read ever lands inside another caller's open
 * transaction, where it would see writes that may still be rolled back.
 */
export class ConnectionGate {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the connection to the next waiter (it stays held) or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#held = false;
    else next();
  }

  /**
   * Runs synchronous statements: at once when the connection is free (the common case, and no
   * promise hop before the work), otherwise in turn.
   */
  run<T>(work: () => T): Promise<T> {
    if (!this.#held) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.acquire().then(() => {
      try {
        return work();
      } finally {
        this.release();
      }
    });
  }
}
