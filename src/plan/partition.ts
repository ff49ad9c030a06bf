/**
 * A deterministic partition of a load run's sessions: part k of n (0-based here, `K/N` 1-based
 * on the command line) holds every session index i with i mod n = k. Round-robin, not blocks,
 * so every part spreads over the whole backfill window and the whole live schedule, and each
 * part's rate is the run's rate over n. Session i is planned from its own seeded stream
 * (`session:i`), the user pool and the arrival times from the run's seed alone, so the union of
 * the n parts is exactly the run unpartitioned. Parts nest: worker w of W inside shard k of n
 * is part k + n·w of n·W.
 */

/** One part of a run's sessions: the indexes i with i mod `count` = `index`. */
export interface Partition {
  /** 0-based, below `count`. */
  readonly index: number;
  /** How many parts, at least 1. */
  readonly count: number;
}

/** The whole run: one part of one. */
export const WHOLE: Partition = Object.freeze({ index: 0, count: 1 });

/** The largest number of shards `--shard` accepts. */
export const MAX_SHARDS = 100_000;

/** Checks a partition; throws a RangeError naming what is wrong. */
export function checkPartition(partition: Partition): Partition {
  const { index, count } = partition;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`Cannot partition into ${count} parts: use a whole number >= 1`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`Cannot take part ${index} of ${count}: use 0..${count - 1}`);
  }
  return partition;
}

/**
 * Reads `K/N` (K from 1 to N) into a partition; throws a RangeError saying what is wrong.
 * Leading zeros, signs and spaces are refused so the same shard is always written one way.
 */
export function parseShard(text: string): Partition {
  const match = /^([1-9]\d*)\/([1-9]\d*)$/.exec(text);
  if (!match) {
    throw new RangeError(`must look like K/N with K from 1 to N, e.g. 2/4, not "${text}"`);
  }
  const k = Number(match[1]);
  const n = Number(match[2]);
  if (n > MAX_SHARDS) throw new RangeError(`N must be at most ${MAX_SHARDS}, not ${n}`);
  if (k > n) throw new RangeError(`K must be from 1 to N (${n}), not ${k}`);
  return { index: k - 1, count: n };
}

/** `K/N` for a partition, as `--shard` takes it. */
export function formatShard(partition: Partition): string {
  return `${partition.index + 1}/${partition.count}`;
}

/** Part `part` of `parts` of `partition` (worker w of W inside a shard). */
export function subPartition(partition: Partition, part: number, parts: number): Partition {
  checkPartition(partition);
  checkPartition({ index: part, count: parts });
  return checkPartition({
    index: partition.index + partition.count * part,
    count: partition.count * parts,
  });
}

/** Whether session `index` belongs to the partition. */
export function holds(partition: Partition, index: number): boolean {
  return index % partition.count === partition.index;
}

/** How many of the sessions 0..total-1 the partition holds. */
export function partSize(total: number, partition: Partition): number {
  if (total <= partition.index) return 0;
  return Math.floor((total - 1 - partition.index) / partition.count) + 1;
}

/** The session indexes below `total` the partition holds, ascending. */
export function* partIndexes(total: number, partition: Partition): Generator<number, void> {
  for (let i = partition.index; i < total; i += partition.count) yield i;
}
