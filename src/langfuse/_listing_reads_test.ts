import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ListingReads, readGroups } from "./_listing_reads.ts";

interface Row {
  id: string;
  object: string;
}

/** A listing of `rows` in pages of 10 that records every request it answers. */
function listing(rows: Row[]): ListingReads<Row> & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    page(n) {
      requests.push(`page ${n}`);
      return Promise.resolve({
        data: rows.slice((n - 1) * 10, n * 10),
        meta: { totalPages: Math.ceil(rows.length / 10) },
      });
    },
    group(key) {
      requests.push(`group ${key}`);
      return Promise.resolve(rows.filter((row) => row.object === key));
    },
    groupOf: (row) => row.object,
  };
}

/** `n` rows on objects o0, o1, …, one each. */
const rowsOn = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${from + i}`, object: `o${from + i}` }));

const found = (rows: readonly Row[]) => rows.length > 0;

describe("readGroups", () => {
  it("walks the listing when it has fewer pages than there are groups, and stops once all are in", async () => {
    const reads = listing(rowsOn(50));
    const groups = ["o3", "o12", "o25", "o27", "o28", "o29"];
    const rows = await readGroups(reads, groups, { complete: (_, list) => found(list) });
    assert.deepEqual(reads.requests, ["page 1", "page 2", "page 3"]);
    assert.deepEqual([...rows.values()].map((list) => list.map((r) => r.id)), [
      ["c3"],
      ["c12"],
      ["c25"],
      ["c27"],
      ["c28"],
      ["c29"],
    ]);
  });

  it("reads group by group when the listing has more pages than there are groups", async () => {
    const reads = listing(rowsOn(500));
    const rows = await readGroups(reads, ["o120", "o300", "o5"], {
      complete: (_, list) => found(list),
    });
    // The first page already holds o5.
    assert.deepEqual(reads.requests, ["page 1", "group o120", "group o300"]);
    assert.deepEqual(rows.get("o300"), [{ id: "c300", object: "o300" }]);
  });

  it("reads a single group directly, and tells which groups are settled after each request", async () => {
    const reads = listing(rowsOn(500));
    const told: string[][] = [];
    await readGroups(reads, ["o42"], { onRead: (settled) => told.push([...settled]) });
    assert.deepEqual(reads.requests, ["group o42"]);
    assert.deepEqual(told, [["o42"]]);
  });

  it("finds no rows for a group that has none, after one direct read of it", async () => {
    const reads = listing(rowsOn(25));
    const rows = await readGroups(reads, ["o1", "missing"], {
      complete: (_, list) => found(list),
    });
    assert.deepEqual(reads.requests, ["page 1", "group missing"]);
    assert.deepEqual(rows.get("missing"), []);
  });
});
