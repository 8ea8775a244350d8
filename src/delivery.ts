// What the box delivers to a host-side endpoint (a UDP socket, a tun file),
// for async iterators: a waiting next() is settled when the endpoint pumps
// after the box ran (box.run, a write, a send), so iteration follows virtual
// time and stays deterministic.

export class DeliveryQueue<T> {
  private items: T[] = [];
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private ended = false;

  /** How many next() calls wait for an item. */
  get waiting(): number { return this.waiters.length; }

  /** Hands an item to the oldest waiter, or keeps it. */
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }

  /** Everything kept so far. */
  drain(): T[] { return this.items.splice(0); }

  /** The next item: a kept one, else when one is pushed; done once ended and empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** No more items: waiting next() calls finish. */
  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }
}
