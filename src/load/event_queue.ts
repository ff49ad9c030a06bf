/** A min-heap of timed events for the live scheduler: earliest first, ties in insertion order. */

interface Entry<T> {
  atMs: number;
  seq: number;
  value: T;
}

/** Timed events, popped earliest first; events at the same time come out in the order pushed. */
export class EventQueue<T> {
  readonly #heap: Entry<T>[] = [];
  #seq = 0;

  /** Events queued. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest event with its time, left queued, or undefined when empty. */
  peek(): { atMs: number; value: T } | undefined {
    const top = this.#heap[0];
    return top === undefined ? undefined : { atMs: top.atMs, value: top.value };
  }

  /** Queues `value` for `atMs`. */
  push(atMs: number, value: T): void {
    const heap = this.#heap;
    heap.push({ atMs, seq: this.#seq++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(heap[i], heap[up])) break;
      [heap[i], heap[up]] = [heap[up], heap[i]];
      i = up;
    }
  }

  /** Removes and returns the earliest event with its time, or undefined when empty. */
  pop(): { atMs: number; value: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heap.length && before(heap[left], heap[least])) least = left;
        if (right < heap.length && before(heap[right], heap[least])) least = right;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least], heap[i]];
        i = least;
      }
    }
    return { atMs: top.atMs, value: top.value };
  }

  /** Removes every event, earliest first. */
  drain(): T[] {
    const values: T[] = [];
    for (let next = this.pop(); next; next = this.pop()) values.push(next.value);
    return values;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
