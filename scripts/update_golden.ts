/**
 * Regenerates the golden payload: the reference conversation replayed with a fixed seed and
 * end time to the file target. `deno task golden`; review the diff before committing it.
 */
import { main } from "../src/main.ts";

/** The arguments that produce the golden file at `out`. */
export function goldenArgs(out: string): string[] {
  return [
    "replay",
    "conversations/order-status.yaml",
    "--seed",
    "42",
    "--at",
    "2026-11-25T12:00:00Z",
    "--target",
    "file",
    "--out",
    out,
    "--no-manifest",
    "--quiet",
  ];
}

/** Where the golden payload lives. */
export const GOLDEN = "fixtures/order-status.seed42.otlp.jsonl";

if (import.meta.main) {
  const code = await main(goldenArgs(GOLDEN), {
    out: console.log,
    err: console.error,
    env: {},
    now: () => Date.parse("2026-11-25T12:00:00Z"),
    randomSeed: () => 0,
    interrupted: () => false,
    color: false,
  });
  console.log(code === 0 ? `wrote ${GOLDEN}` : `failed with exit code ${code}`);
}
