/**
 * Spans as a tree, from their parent ids, without recursion: spans come from outside
 * (`record --listen`, `--from-otlp`, a Langfuse project), so a span may name itself as its
 * parent, a few may name each other in a cycle, or a chain may nest tens of thousands deep.
 * Each cycle is cut at its earliest node, which goes to the top level, so the result is always
 * a forest. Pure; used by the Langfuse view and by `record`.
 */

/** A node with an id, its parent's id and a list its children are pushed onto. */
export interface TreeNode<T> {
  id: string;
  children: T[];
}

/** The forest: its top level, and the cycles that were cut (each in the input's order). */
export interface LinkedTree<T> {
  top: T[];
  cycles: T[][];
}

/**
 * Pushes each of `nodes` onto its parent's `children`; a node whose parent is not among them
 * goes to the top level, as does the first node (in input order) of each parent cycle.
 */
export function linkTree<T extends TreeNode<T>>(
  nodes: readonly T[],
  parentIdOf: (node: T) => string | null | undefined,
): LinkedTree<T> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const order = new Map(nodes.map((node, i) => [node, i]));
  const parentOf = (node: T) => {
    const id = parentIdOf(node);
    return id === null || id === undefined ? undefined : byId.get(id);
  };
  // 1: on the chain being walked; 2: known to lead to the top level (or to a cut).
  const state = new Map<T, 1 | 2>();
  const cut = new Set<T>();
  const cycles: T[][] = [];
  for (const start of nodes) {
    const chain: T[] = [];
    let at: T | undefined = start;
    while (at !== undefined && state.get(at) === undefined) {
      state.set(at, 1);
      chain.push(at);
      at = parentOf(at);
    }
    if (at !== undefined && state.get(at) === 1) {
      const cycle = chain.slice(chain.indexOf(at)).sort((a, b) => order.get(a)! - order.get(b)!);
      cut.add(cycle[0]);
      cycles.push(cycle);
    }
    for (const node of chain) state.set(node, 2);
  }
  const top: T[] = [];
  for (const node of nodes) {
    const parent = cut.has(node) ? undefined : parentOf(node);
    (parent ? parent.children : top).push(node);
  }
  return { top, cycles };
}

/** Sorts `top` and every child list with `compare`; returns the nodes in tree order (pre-order). */
export function orderTree<T extends TreeNode<T>>(top: T[], compare: (a: T, b: T) => number): T[] {
  const out: T[] = [];
  const stack = [...top.sort(compare)].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    node.children.sort(compare);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return out;
}

/** How many levels deep the forest goes (1 for nodes without children, 0 for none). */
export function treeDepth<T extends TreeNode<T>>(top: readonly T[]): number {
  let deepest = 0;
  const stack = top.map((node) => ({ node, depth: 1 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const child of node.children) stack.push({ node: child, depth: depth + 1 });
  }
  return deepest;
}
