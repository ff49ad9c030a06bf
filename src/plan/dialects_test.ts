import { test } from "node:test";
import assert from "node:assert/strict";
import { DialectError, dialectOf, dialectText, parseDialect } from "./dialects.ts";

test("parseDialect reads one dialect, or mixed shares in the order given", () => {
  assert.deepEqual(parseDialect("vercel"), { kind: "one", dialect: "vercel" });
  assert.deepEqual(parseDialect("mixed=langfuse:50,vercel:30,openinference:20"), {
    kind: "mixed",
    shares: [
      { dialect: "langfuse", share: 50 },
      { dialect: "vercel", share: 30 },
      { dialect: "openinference", share: 20 },
    ],
  });
  assert.equal(dialectText(parseDialect("mixed= genai:1.5 , vercel:0")), "mixed=genai:1.5");
});

test("parseDialect refuses what is not a dialect or a share, saying what to give", () => {
  for (
    const [text, message] of [
      ["otel", /"otel" is not a dialect: use one of langfuse, genai, openinference, vercel/],
      ["mixed", /needs shares, e\.g\. "mixed=langfuse:50/],
      ["mixed=genai", /"genai" in "mixed=genai" is not <dialect>:<share>/],
      ["mixed=genai:-1", /is not <dialect>:<share>/],
      ["mixed=genai:1,genai:2", /genai is given twice/],
      ["mixed=genai:0", /gives no dialect a share above 0/],
    ] as const
  ) {
    assert.throws(() => parseDialect(text), (error: Error) => {
      assert.ok(error instanceof DialectError);
      assert.match(error.message, message);
      return true;
    });
  }
});

test("dialectOf draws mixed shares within 5 points over 200 sessions, the same for the same seed", () => {
  const choice = parseDialect("mixed=langfuse:50,vercel:30,openinference:20");
  const draw = (seed: number) => Array.from({ length: 200 }, (_, i) => dialectOf(choice, seed, i));
  const drawn = draw(7);
  assert.deepEqual(draw(7), drawn);
  assert.notDeepEqual(draw(8), drawn);
  const share = (name: string) => drawn.filter((d) => d === name).length / drawn.length;
  assert.ok(Math.abs(share("langfuse") - 0.5) <= 0.05, `langfuse ${share("langfuse")}`);
  assert.ok(Math.abs(share("vercel") - 0.3) <= 0.05, `vercel ${share("vercel")}`);
  assert.ok(
    Math.abs(share("openinference") - 0.2) <= 0.05,
    `openinference ${share("openinference")}`,
  );
  assert.equal(share("genai"), 0);
});

test("dialectOf gives every session the one dialect", () => {
  const one = parseDialect("genai");
  assert.deepEqual([0, 1, 99].map((i) => dialectOf(one, 3, i)), ["genai", "genai", "genai"]);
});
