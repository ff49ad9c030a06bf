/**
 * Finding a few objects' rows in a long Langfuse listing in the fewest requests. The review
 * lists (comments, queue items) filter by one object at a time at best, so the rows of N
 * objects cost N filtered reads, or every page of the unfiltered listing. The listing's first
 * page says how many pages there are; whichever costs fewer requests is read, and paging stops
 * once every object's rows are in. Private to the folder.
 */

/** How one listing is read. */
export interface ListingReads<T> {
  /** One page (1-based) of the listing every wanted row is in. */
  page(n: number): Promise<{ data: T[]; meta: { totalPages: number } }>;
  /** All rows of one group, read directly (one object's comments, one item by id). */
  group(key: string): Promise<T[]>;
  /** The group a row belongs to. */
  groupOf(row: T): string;
}

/** Options for {@link readGroups}. */
export interface ReadGroupsOptions<T> {
  /** Whether a group has all the rows looked for (paging stops when all have); default never. */
  complete?: (group: string, rows: readonly T[]) => boolean;
  /** Told the groups settled so far after each request. */
  onRead?: (settled: readonly string[]) => void;
}

/** The rows of each of `groups`, by group, read through the listing or group by group. */
export async function readGroups<T>(
  reads: ListingReads<T>,
  groups: readonly string[],
  options: ReadGroupsOptions<T> = {},
): Promise<Map<string, T[]>> {
  const rows = new Map<string, T[]>(groups.map((group) => [group, []]));
  if (rows.size === 0) return rows;
  const complete = options.complete ?? (() => false);
  const open = () => [...rows].filter(([group, list]) => !complete(group, list)).map(([g]) => g);
  const settled = () => {
    const left = new Set(open());
    options.onRead?.([...rows.keys()].filter((group) => !left.has(group)));
  };
  const take = (list: readonly T[]) => {
    for (const row of list) rows.get(reads.groupOf(row))?.push(row);
  };

  // One group alone: its own read is never dearer than a page of everything.
  if (rows.size > 1) {
    const first = await reads.page(1);
    take(first.data);
    settled();
    if (open().length === 0) return rows;
    if (first.meta.totalPages - 1 <= open().length) {
      for (let n = 2; n <= first.meta.totalPages && open().length > 0; n++) {
        take((await reads.page(n)).data);
        settled();
      }
      return rows;
    }
  }
  const left = open();
  const done = [...rows.keys()].filter((group) => !left.includes(group));
  for (const group of left) {
    rows.set(group, await reads.group(group));
    done.push(group);
    options.onRead?.(done);
  }
  return rows;
}
