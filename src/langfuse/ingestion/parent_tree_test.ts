import { test } from "node:test";
import assert from "node:assert/strict";
import { linkTree, orderTree, treeDepth } from "./parent_tree.ts";

interface Node {
  id: string;
  parent?: string;
  children: Node[];
}

const nodes = (pairs: [string, string?][]): Node[] =>
  pairs.map(([id, parent]) => ({ id, parent, children: [] }));

/** The forest as text: `a(b, c(d))`. */
function draw(list: Node[]): string {
  const out: string[] = [];
  for (const node of list) {
    out.push(node.children.length === 0 ? node.id : `${node.id}(${draw(node.children)})`);
  }
  return out.join(", ");
}

const byId = (a: Node, b: Node) => a.id.localeCompare(b.id);

test("linkTree() nests by parent id and puts a node whose parent is missing at the top", () => {
  const { top, cycles } = linkTree(
    nodes([["a"], ["b", "a"], ["c", "a"], ["d", "c"], ["e", "gone"]]),
    (n) => n.parent,
  );
  assert.equal(draw(top), "a(b, c(d)), e");
  assert.deepEqual(cycles, []);
});

test("linkTree() cuts each parent cycle at its first node, which goes to the top", () => {
  const cases: { pairs: [string, string?][]; forest: string; cycles: string[][] }[] = [
    { pairs: [["a"], ["b", "b"]], forest: "a, b", cycles: [["b"]] },
    {
      pairs: [["a"], ["x", "z"], ["y", "x"], ["z", "y"], ["w", "y"]],
      forest: "a, x(y(z, w))",
      cycles: [["x", "y", "z"]],
    },
    // A chain hanging off a cycle keeps its place under the cycle.
    { pairs: [["p", "q"], ["q", "p"], ["r", "q"]], forest: "p(q(r))", cycles: [["p", "q"]] },
    { pairs: [["m", "n"], ["n", "m"], ["o", "o"]], forest: "m(n), o", cycles: [["m", "n"], ["o"]] },
  ];
  for (const { pairs, forest, cycles } of cases) {
    const linked = linkTree(nodes(pairs), (n) => n.parent);
    assert.equal(draw(linked.top), forest, JSON.stringify(pairs));
    assert.deepEqual(linked.cycles.map((cycle) => cycle.map((n) => n.id)), cycles);
  }
});

test("linkTree(), orderTree() and treeDepth() take a chain 100,000 deep without recursion", () => {
  const chain = nodes(
    Array.from({ length: 100_000 }, (_, i) => [`n${i}`, i === 0 ? undefined : `n${i - 1}`]),
  );
  // Deepest first, as an exporter sends them.
  const { top, cycles } = linkTree([...chain].reverse(), (n) => n.parent);
  assert.deepEqual(top.map((n) => n.id), ["n0"]);
  assert.deepEqual(cycles, []);
  assert.equal(treeDepth(top), 100_000);
  const ordered = orderTree(top, byId);
  assert.equal(ordered.length, 100_000);
  assert.equal(ordered[99_999].id, "n99999");
});

test("orderTree() sorts every child list and lists the nodes parent first", () => {
  const { top } = linkTree(
    nodes([["b"], ["a"], ["a2", "a"], ["a1", "a"], ["a1x", "a1"]]),
    (n) => n.parent,
  );
  assert.deepEqual(orderTree(top, byId).map((n) => n.id), ["a", "a1", "a1x", "a2", "b"]);
  assert.equal(treeDepth(top), 3);
  assert.equal(treeDepth([]), 0);
});
