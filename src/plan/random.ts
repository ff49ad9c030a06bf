/**
 * Seeded randomness for planning. Streams are forked by label, so adding a step to one turn
 * does not shift the ids and content drawn for another.
 */

/** A seeded pseudo-random generator (sfc32). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** FNV-1a states after `${label}` and after `${seed}:${label}`: a fork continues both. */
  readonly #labelState: number;
  readonly #seedLabelState: number;

  /**
   * Seeds a generator from a number and an optional label. `hashed` is for `fork` only: the
   * FNV-1a states after `label` and after `${seed}:${label}`, so a fork hashes just its part.
   */
  constructor(seed: number, label = "", hashed?: { label: number; seedLabel: number }) {
    const labelState = hashed?.label ?? fnv(FNV_OFFSET, label);
    const seedLabelState = hashed?.seedLabel ?? fnv(fnv(FNV_OFFSET, `${seed}:`), label);
    // hash32(`${seed}:${label}`), hash32(`${label}:${seed}:b`) and …:c, from those states.
    const shared = fnv(labelState, `:${seed}:`);
    this.#a = (seedLabelState >>> 0) ^ 0x9e3779b9;
    this.#b = fnv(shared, "b") >>> 0;
    this.#c = fnv(shared, "c") >>> 0;
    this.#d = seed >>> 0;
    this.#labelState = labelState;
    this.#seedLabelState = seedLabelState;
    for (let i = 0; i < 12; i++) this.next();
    this.seed = seed;
    this.label = label;
  }

  /** The seed and label this stream was made from. */
  readonly seed: number;
  readonly label: string;

  /** A float in [0, 1). */
  next(): number {
    this.#a >>>= 0;
    this.#b >>>= 0;
    this.#c >>>= 0;
    this.#d >>>= 0;
    let t = (this.#a + this.#b) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#d = (this.#d + 1) | 0;
    t = (t + this.#d) | 0;
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An independent stream for `label`, reproducible from this stream's seed and label. */
  fork(label: string): Rng {
    if (!this.label) return new Rng(this.seed, label);
    const part = "/" + label;
    return new Rng(this.seed, this.label + part, {
      label: fnv(this.#labelState, part),
      seedLabel: fnv(this.#seedLabelState, part),
    });
  }

  /** An integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A 32-bit unsigned integer, e.g. to seed faker. */
  uint32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /**
   * A value in [min, max] skewed towards the low end, as latencies are: most calls are quick,
   * a few take nearly the maximum.
   */
  skewed(min: number, max: number): number {
    const u = this.next();
    return min + (max - min) * u * u;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `length` lowercase hex characters. */
  hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += HEX[Math.floor(this.next() * 16)];
    return out;
  }

  /** `length` lowercase letters and digits. */
  alnum(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += ALNUM[Math.floor(this.next() * ALNUM.length)];
    return out;
  }
}

const HEX = "0123456789abcdef";
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a state `h` continued over `text`'s UTF-16 units (not yet made unsigned). */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** FNV-1a over a string's UTF-16 units; stable across runtimes. */
export function hash32(text: string): number {
  return fnv(FNV_OFFSET, text) >>> 0;
}

/** `length` hex characters hashed from `text` (several salted FNV-1a rounds); stable ids. */
export function hashHex(text: string, length = 32): string {
  let out = "";
  for (let salt = 0; out.length < length; salt++) {
    out += hash32(`${salt}:${text}`).toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

/** The first index whose cumulative weight exceeds `target`: a weighted draw in O(log n). */
export function firstAbove(cumulative: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid] > target) high = mid;
    else low = mid + 1;
  }
  return low;
}
