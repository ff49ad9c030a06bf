import { test } from "node:test";
import assert from "node:assert/strict";
import type { LangfuseView, ViewObservation, ViewTrace } from "../langfuse/ingestion/view.ts";
import { formatCost, renderPreview, renderTurn } from "./preview.ts";
import { rawControl } from "../../testing/terminal.ts";

const T0 = 1_741_083_302_000; // 2025-03-04T10:15:02Z
const TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACE_B = "5ce0a04688c45eb7b4df03af1f1f5847";

function obs(
  fields: Partial<ViewObservation> & Pick<ViewObservation, "id" | "name" | "type">,
): ViewObservation {
  return { level: "DEFAULT", startMs: T0, durationMs: 0, children: [], ...fields };
}

function trace(fields: Partial<ViewTrace> & Pick<ViewTrace, "id">): ViewTrace {
  return {
    tags: [],
    metadata: {},
    environment: "default",
    public: false,
    startMs: T0,
    durationMs: 0,
    hasRoot: true,
    dialects: ["langfuse"],
    spanCount: 1,
    totalCost: 0,
    totalTokens: 0,
    observations: [],
    ...fields,
  };
}

/** One session of two turns: an agent with a generation, a nested tool and a slow answer. */
function session(): LangfuseView {
  const first = trace({
    id: TRACE_A,
    name: "support-turn",
    sessionId: "conv_7f3a",
    userId: "usr_42",
    tags: ["support", "order-status"],
    metadata: { channel: "chat", region: "eu" },
    version: "1.4.0",
    environment: "production",
    input: { text: "Where is my order #4471? It was due yesterday and nothing has arrived yet." },
    output: "It ships today.",
    startMs: T0,
    durationMs: 2_500,
    spanCount: 4,
    totalCost: 0.000179,
    totalTokens: 908,
    observations: [obs({
      id: "a1",
      name: "turn",
      type: "agent",
      durationMs: 2_500,
      children: [
        obs({
          id: "a2",
          name: "llm.plan",
          type: "generation",
          startMs: T0 + 10,
          durationMs: 850,
          model: "gpt-4o-mini",
          usage: { input: 812, output: 96, total: 908 },
          cost: 0.000179,
          completionStartMs: T0 + 330,
          children: [obs({ id: "a3", name: "lookup_order", type: "tool", durationMs: 120 })],
        }),
        obs({
          id: "a4",
          name: "answer",
          type: "span",
          startMs: T0 + 1_000,
          durationMs: 1_240,
          level: "WARNING",
          statusMessage: "slow upstream",
        }),
      ],
    })],
  });
  const second = trace({
    id: TRACE_B,
    name: "followup-turn",
    sessionId: "conv_7f3a",
    userId: "usr_42",
    environment: "production",
    startMs: T0 + 130_000,
    durationMs: 4_000,
    totalCost: 0.0029,
    totalTokens: 1_808,
    observations: [obs({
      id: "b1",
      name: "turn",
      type: "agent",
      startMs: T0 + 130_000,
      durationMs: 4_000,
      level: "ERROR",
      statusMessage: "tool timeout",
    })],
  });
  return {
    traces: [first, second],
    sessions: [{
      id: "conv_7f3a",
      userIds: ["usr_42"],
      traceIds: [TRACE_A, TRACE_B],
      startMs: T0,
      durationMs: 134_000,
      spanCount: 5,
      totalCost: 0.003079,
      totalTokens: 2_716,
    }],
    users: [{
      id: "usr_42",
      sessionCount: 1,
      traceCount: 2,
      totalCost: 0.003079,
      totalTokens: 2_716,
    }],
    problems: [],
  };
}

test("renderPreview() draws a session, its traces, trees, users and a clean bill", () => {
  assert.equal(
    renderPreview(session(), { width: 60 }),
    [
      "Session conv_7f3a · user usr_42 · 2 traces · 5 spans · $0.00308 · 2m 14s",
      "",
      `  1. 2025-03-04T10:15:02Z  support-turn  ${TRACE_A}`,
      "     tags support, order-status · channel=chat region=eu · version 1.4.0 · env production",
      '     input  {"text":"Where is my order #4471? It was due ye…',
      "     output It ships today.",
      "     agent turn 2.50s",
      "     ├─ generation llm.plan 850ms · gpt-4o-mini · 812→96 tok · $0.000179 · TTFT 320ms",
      "     │  └─ tool lookup_order 120ms",
      "     └─ span answer 1.24s · ⚠ WARNING: slow upstream",
      "",
      `  2. 2025-03-04T10:17:12Z  followup-turn  ${TRACE_B}`,
      "     env production",
      "     agent turn 4.00s · ✖ ERROR: tool timeout",
      "",
      "Users",
      "  usr_42 · 1 session · 2 traces · 2716 tok · $0.00308",
      "",
      "Problems",
      "  No contract problems found.",
      "",
    ].join("\n"),
  );
});

test("renderPreview() cuts input lines to the width with an ellipsis", () => {
  const lines = renderPreview(session(), { width: 30 }).split("\n");
  assert.equal(lines[4], '     input  {"text":"Where is…');
  assert.equal(Array.from(lines[4]).length, 30);
});

test("renderPreview() says a trace is public, and shows the trace record's input where v4 shows another", () => {
  const view = session();
  view.traces = [trace({
    id: TRACE_A,
    name: "support-chat",
    public: true,
    input: { route: "/chat" },
    traceInput: "Where is order 4411?",
    output: "done",
    traceOutput: "done",
  })];
  const lines = renderPreview(view, { width: 80 }).split("\n");
  assert.deepEqual(lines.slice(3, 7), [
    "     env default · public",
    '     input  {"route":"/chat"}',
    "     output done",
    "     input  Where is order 4411? (v3, trace evaluators)",
  ]);
});

test("renderPreview() lists each problem with its trace and span", () => {
  const view = session();
  view.problems = [
    {
      traceId: TRACE_A,
      spanId: "a2",
      message: 'Span "llm.plan" has no user id; Langfuse cannot attribute it to a user',
    },
    { message: 'Session "conv_7f3a" has traces of 2 users ("usr_1", "usr_42")' },
  ];
  const text = renderPreview(view, {});
  assert.ok(!text.includes("No contract problems found."));
  assert.ok(text.endsWith(
    [
      "Problems",
      `  ⚠ trace ${TRACE_A}, span a2: ` +
      'Span "llm.plan" has no user id; Langfuse cannot attribute it to a user',
      '  ⚠ Session "conv_7f3a" has traces of 2 users ("usr_1", "usr_42")',
      "",
    ].join("\n"),
  ));
});

test("renderPreview() groups traces without a session under their own header", () => {
  const view: LangfuseView = {
    traces: [trace({ id: TRACE_A, name: "lonely", durationMs: 1_500, spanCount: 3 })],
    sessions: [],
    users: [],
    problems: [],
  };
  const lines = renderPreview(view, {}).split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "No session · no user · 1 trace · 3 spans · $0 · 1.50s",
    "",
    `  1. 2025-03-04T10:15:02Z  lonely  ${TRACE_A}`,
    "     env default",
  ]);
  assert.deepEqual(lines.slice(5, 7), ["Users", "  No user ids found."]);
});

test("renderPreview() colours only when asked", () => {
  const plain = renderPreview(session(), {});
  const coloured = renderPreview(session(), { color: true });
  assert.ok(!plain.includes("\x1b["));
  assert.ok(coloured.includes("\x1b[33m⚠ WARNING: slow upstream\x1b[0m"));
  assert.ok(coloured.includes("\x1b[31m✖ ERROR: tool timeout\x1b[0m"));
  const ansi = new RegExp("\x1b\\[\\d+m", "g");
  assert.equal(coloured.replace(ansi, ""), plain);
});

test("formatCost() shows three significant digits below a dollar and cents above", () => {
  const cases: [number, string][] = [
    [0, "$0"],
    [0.0031, "$0.0031"],
    [0.000179, "$0.000179"],
    [0.0030791, "$0.00308"],
    [0.5, "$0.5"],
    [12.345, "$12.35"],
  ];
  for (const [usd, text] of cases) assert.equal(formatCost(usd), text, String(usd));
});

test("renderTurn() draws one arriving trace with its session, user and only its own problems", () => {
  const view: LangfuseView = {
    traces: [
      trace({
        id: TRACE_A,
        name: "support-turn",
        sessionId: "conv_7f3a",
        userId: "usr_42",
        observations: [obs({ id: "a1", name: "support-turn", type: "agent", durationMs: 1_200 })],
      }),
      trace({ id: TRACE_B, name: "other-turn" }),
    ],
    sessions: [],
    users: [],
    problems: [
      { traceId: TRACE_A, spanId: "b2", message: 'Span "lookup" has no session id' },
      { traceId: TRACE_B, message: "not this one" },
    ],
  };
  assert.equal(
    renderTurn(view, TRACE_A, 2),
    [
      "Session conv_7f3a · user usr_42",
      `  2. 2025-03-04T10:15:02Z  support-turn  ${TRACE_A}`,
      "     env default",
      "     agent support-turn 1.20s",
      `  ⚠ trace ${TRACE_A}, span b2: Span "lookup" has no session id`,
    ].join("\n") + "\n",
  );
  assert.match(renderTurn(view, TRACE_B, 1), /No session · no user[\s\S]*not this one/);
  assert.equal(renderTurn(view, "0".repeat(32), 1), "");
});

test("renderPreview() and renderTurn() show the spans' own text with control characters escaped", () => {
  const bad = "\x1b]0;OWNED\x07\x1b[2J";
  const view: LangfuseView = {
    traces: [
      trace({
        id: TRACE_A,
        name: `turn${bad}`,
        sessionId: `conv\n  2. fake`,
        userId: `usr${bad}`,
        tags: [`vip${bad}`],
        metadata: { [`k${bad}`]: `v${bad}` },
        version: `v${bad}`,
        input: `hi${bad}`,
        observations: [
          obs({
            id: "a1",
            name: `tool${bad}`,
            type: "tool",
            model: `m${bad}`,
            level: "ERROR",
            statusMessage: `failed${bad}`,
          }),
        ],
      }),
    ],
    sessions: [{
      id: `conv\n  2. fake`,
      userIds: [`usr${bad}`],
      traceIds: [TRACE_A],
      startMs: T0,
      durationMs: 0,
      spanCount: 1,
      totalCost: 0,
      totalTokens: 0,
    }],
    users: [{
      id: `usr${bad}`,
      sessionCount: 1,
      traceCount: 1,
      totalTokens: 0,
      totalCost: 0,
    }],
    problems: [{ traceId: TRACE_A, message: `Span "x${bad}" has no session id` }],
  };
  for (const color of [false, true]) {
    for (const text of [renderPreview(view, { color }), renderTurn(view, TRACE_A, 1, { color })]) {
      assert.equal(rawControl(text, true), undefined, text);
      assert.ok(text.includes("turn\\x1b]0;OWNED\\x07\\x1b[2J"), text);
      assert.ok(text.includes("conv\\x0a  2. fake"), text);
    }
  }
});

test("renderPreview() names the dialects of a trace sent by other instrumentation than Langfuse's", () => {
  const view: LangfuseView = {
    traces: [
      trace({ id: TRACE_A, name: "support-chat:ai.generateText", dialects: ["vercel"] }),
      trace({ id: TRACE_B, name: "invoke_agent support", dialects: ["genai", "otel"] }),
    ],
    sessions: [],
    users: [],
    problems: [],
  };
  const lines = renderPreview(view, { width: 100 }).split("\n");
  assert.ok(lines.includes("     env default · dialect vercel"), lines.join("\n"));
  assert.ok(lines.includes("     env default · dialects genai, otel"), lines.join("\n"));
});
