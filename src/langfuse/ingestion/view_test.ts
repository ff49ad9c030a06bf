import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttrValue, ReceivedSpan } from "../../otlp/decode.ts";
import { OBSERVATION, TRACE, TRACE_METADATA_PREFIX } from "../../emit/attributes.ts";
import { interpretSpans, SEMCONV, type ViewObservation } from "./view.ts";

const T0 = 1_741_083_302_000; // 2025-03-04T10:15:02Z
const TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACE_B = "5ce0a04688c45eb7b4df03af1f1f5847";

interface SpanOptions {
  traceId?: string;
  parent?: string;
  name?: string;
  /** Offsets from T0 in ms. */
  start?: number;
  end?: number;
  attributes?: Record<string, AttrValue>;
  /** Overrides the OTLP type inferred from each value. */
  types?: Record<string, string>;
  status?: ReceivedSpan["status"];
  resource?: Record<string, AttrValue>;
}

/** A received span built as a plain object, the way the OTLP decoder hands it over. */
function span(spanId: string, options: SpanOptions = {}): ReceivedSpan {
  const attributes = options.attributes ?? {};
  const attributeTypes: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    attributeTypes[key] = typeof value === "string"
      ? "string"
      : typeof value === "boolean"
      ? "bool"
      : typeof value === "number"
      ? Number.isInteger(value) ? "int" : "double"
      : Array.isArray(value)
      ? "array"
      : "kvlist";
  }
  const result: ReceivedSpan = {
    traceId: options.traceId ?? TRACE_A,
    spanId,
    name: options.name ?? spanId,
    kind: 1,
    startTimeUnixNano: BigInt(T0 + (options.start ?? 0)) * 1_000_000n,
    endTimeUnixNano: BigInt(T0 + (options.end ?? 1_000)) * 1_000_000n,
    attributes,
    attributeTypes: { ...attributeTypes, ...options.types },
    events: [],
    status: options.status ?? { code: 0 },
    resource: options.resource ?? { "service.name": "session-replay" },
    scope: { name: "session-replay" },
  };
  if (options.parent !== undefined) result.parentSpanId = options.parent;
  return result;
}

/** The full set of trace-level attributes the baggage processor stamps on every span. */
function turn(extra: Record<string, AttrValue> = {}): Record<string, AttrValue> {
  return {
    [TRACE.sessionId]: "conv_1",
    [TRACE.userId]: "usr_1",
    [TRACE.name]: "support-turn",
    [TRACE.tags]: ["support", "order-status"],
    [TRACE.environment]: "production",
    [TRACE.version]: "1.4.0",
    [TRACE.release]: "r42",
    [TRACE_METADATA_PREFIX + "channel"]: "chat",
    [TRACE_METADATA_PREFIX + "region"]: "eu",
    ...extra,
  };
}

/** The observation tree as "name(children...)" text, to assert shape and order at once. */
function shape(list: ViewObservation[]): string {
  return list.map((obs) => obs.children.length ? `${obs.name}(${shape(obs.children)})` : obs.name)
    .join(" ");
}

test("interpretSpans() takes trace fields from the root span", () => {
  const view = interpretSpans([
    span("a1", {
      name: "turn",
      end: 2_500,
      attributes: turn({
        [OBSERVATION.input]: '{"text":"Where is my order?"}',
        [OBSERVATION.output]: '"It ships today."',
      }),
    }),
    span("a2", { parent: "a1", start: 100, end: 3_000, attributes: turn() }),
  ]);
  const { observations: _, ...trace } = view.traces[0];
  assert.deepEqual(trace, {
    id: TRACE_A,
    name: "support-turn",
    sessionId: "conv_1",
    userId: "usr_1",
    tags: ["support", "order-status"],
    metadata: { channel: "chat", region: "eu" },
    version: "1.4.0",
    release: "r42",
    environment: "production",
    input: { text: "Where is my order?" },
    output: "It ships today.",
    traceInput: { text: "Where is my order?" },
    traceOutput: "It ships today.",
    public: false,
    startMs: T0,
    durationMs: 3_000,
    hasRoot: true,
    dialects: ["langfuse"],
    spanCount: 2,
    totalCost: 0,
    totalTokens: 0,
  });
  assert.deepEqual(view.problems, [{
    traceId: TRACE_A,
    spanId: "a2",
    message: 'Span "a2" ends 500ms after its parent "turn"',
  }]);
});

test("interpretSpans() reads trace input and output as Langfuse does: v4 the root observation's, the trace record langfuse.trace.input first", () => {
  const root = (attributes: Record<string, AttrValue>) =>
    interpretSpans([span("a1", { name: "handle", attributes: turn(attributes) })]);
  const cases: [Record<string, AttrValue>, unknown[], string[]][] = [
    // What the Langfuse SDK's setTraceIO sets, without an observation input.
    [
      { [TRACE.input]: '"Where is my order?"', [TRACE.output]: '"It ships today."' },
      [undefined, undefined, "Where is my order?", "It ships today."],
      [
        'Root span "handle" sets langfuse.trace.input but no langfuse.observation.input: ' +
        "Langfuse v4 shows a trace's input from its root observation, so this trace shows none " +
        "(v3 servers and trace evaluators read langfuse.trace.input)",
        'Root span "handle" sets langfuse.trace.output but no langfuse.observation.output: ' +
        "Langfuse v4 shows a trace's output from its root observation, so this trace shows none " +
        "(v3 servers and trace evaluators read langfuse.trace.output)",
      ],
    ],
    [
      { [TRACE.input]: '"question"', [OBSERVATION.input]: '{"route":"/chat"}' },
      [{ route: "/chat" }, undefined, "question", undefined],
      [
        'Root span "handle" sets langfuse.trace.input and a different ' +
        "langfuse.observation.input: Langfuse v4 shows the root observation's as the trace's " +
        "input, v3 servers and trace evaluators langfuse.trace.input",
      ],
    ],
    // Both the same, as this tool sends them: nothing to say.
    [
      { [TRACE.input]: '{"q":1}', [OBSERVATION.input]: '{"q":1}' },
      [{ q: 1 }, undefined, { q: 1 }, undefined],
      [],
    ],
    // An empty langfuse.trace.input is none: the root observation's input stands.
    [
      { [TRACE.input]: "", [OBSERVATION.input]: '{"q":1}' },
      [{ q: 1 }, undefined, { q: 1 }, undefined],
      [],
    ],
  ];
  for (const [attributes, expected, problems] of cases) {
    const view = root(attributes);
    const { input, output, traceInput, traceOutput } = view.traces[0];
    assert.deepEqual(
      [input, output, traceInput, traceOutput],
      expected,
      JSON.stringify(attributes),
    );
    assert.deepEqual(view.problems.map((p) => p.message), problems, JSON.stringify(attributes));
  }
});

test("interpretSpans() takes trace fields from other spans where the root has none, as Langfuse v4 does", () => {
  const child = turn({ [TRACE.name]: "from-child", [TRACE.public]: true });
  const view = interpretSpans([
    span("a1", { name: "root-span", attributes: {} }),
    span("a2", { parent: "a1", start: 10, end: 900, attributes: child }),
  ]);
  const { observations: _, ...trace } = view.traces[0];
  assert.deepEqual(
    [trace.name, trace.sessionId, trace.userId, trace.tags, trace.version, trace.release],
    ["from-child", "conv_1", "usr_1", ["support", "order-status"], "1.4.0", "r42"],
  );
  assert.equal(trace.public, true);
  // Input, output and metadata are the root's alone.
  assert.deepEqual(trace.metadata, {});
});

test("interpretSpans() reads public, tags, session, user and metadata under every name Langfuse reads them", () => {
  const read = (attributes: Record<string, AttrValue>) =>
    interpretSpans([span("a1", { attributes })]).traces[0];
  assert.equal(read({ [TRACE.public]: true }).public, true);
  assert.equal(read({ [TRACE.public]: "true" }).public, true);
  assert.equal(read({ "langfuse.public": true }).public, true);
  assert.equal(read({ [TRACE.public]: false, "langfuse.public": true }).public, false);
  assert.equal(read({}).public, false);

  const tags: [Record<string, AttrValue>, string[]][] = [
    [{ "langfuse.tags": ["a", "b"] }, ["a", "b"]],
    [{ "langfuse.trace.metadata.langfuse_tags": '["c"]' }, ["c"]],
    [{ "langfuse.observation.metadata.langfuse_tags": ["d"] }, ["d"]],
    [{ "ai.telemetry.metadata.tags": ["e"] }, ["e"]],
    [{ "tag.tags": ["f"] }, ["f"]],
    [{ [TRACE.tags]: ["first"], "tag.tags": ["last"] }, ["first"]],
  ];
  for (const [attributes, expected] of tags) {
    assert.deepEqual(read(attributes).tags, expected, JSON.stringify(attributes));
  }

  const ids: [Record<string, AttrValue>, string | undefined, string | undefined][] = [
    [
      {
        "langfuse.observation.metadata.langfuse_session_id": "s-obs",
        "langfuse.observation.metadata.langfuse_user_id": "u-obs",
      },
      "s-obs",
      "u-obs",
    ],
    [
      {
        "langfuse.trace.metadata.langfuse_session_id": "s-meta",
        "langfuse.trace.metadata.langfuse_user_id": "u-meta",
      },
      "s-meta",
      "u-meta",
    ],
    [
      { "ai.telemetry.metadata.sessionId": "s-ai", "ai.telemetry.metadata.userId": "u-ai" },
      "s-ai",
      "u-ai",
    ],
    [
      { "session.id": "s-otel", "langfuse.trace.metadata.langfuse_session_id": "s-meta" },
      "s-otel",
      undefined,
    ],
  ];
  for (const [attributes, sessionId, userId] of ids) {
    const trace = read(attributes);
    assert.deepEqual(
      [trace.sessionId, trace.userId],
      [sessionId, userId],
      JSON.stringify(attributes),
    );
  }

  assert.deepEqual(
    read({
      "langfuse.trace.metadata": '{"tier":"gold","region":"eu"}',
      [`${TRACE_METADATA_PREFIX}region`]: "us",
      "langfuse.metadata.plan": "pro",
      "ai.telemetry.metadata.channel": "web",
      "ai.telemetry.metadata.userId": "u-ai",
    }).metadata,
    { tier: "gold", region: "us", plan: "pro", channel: "web" },
  );
  assert.deepEqual(read({ "langfuse.metadata": '{"from":"blob"}' }).metadata, { from: "blob" });
});

test("interpretSpans() falls back to the root span name and resource service.version", () => {
  const attributes = turn();
  delete attributes[TRACE.name];
  delete attributes[TRACE.version];
  const trace = interpretSpans([
    span("a1", { name: "agent.turn", attributes, resource: { [SEMCONV.serviceVersion]: "2.0.1" } }),
  ]).traces[0];
  assert.equal(trace.name, "agent.turn");
  assert.equal(trace.version, "2.0.1");
});

test("interpretSpans() reads session and user ids from the semantic-convention fallbacks", () => {
  const cases: [Record<string, AttrValue>, string | undefined, string | undefined][] = [
    [{ [SEMCONV.sessionId[0]]: "s-otel", [SEMCONV.userId[0]]: "u-otel" }, "s-otel", "u-otel"],
    [{ [SEMCONV.sessionId[1]]: "s-genai" }, "s-genai", undefined],
    [
      { [TRACE.sessionId]: "s-lf", [SEMCONV.sessionId[0]]: "s-otel", [TRACE.userId]: "u-lf" },
      "s-lf",
      "u-lf",
    ],
    // An empty string is no value, so the next name in line wins.
    [{ [TRACE.sessionId]: "", [SEMCONV.sessionId[1]]: "s-genai" }, "s-genai", undefined],
  ];
  for (const [attributes, sessionId, userId] of cases) {
    const trace = interpretSpans([span("a1", { attributes })]).traces[0];
    assert.deepEqual(
      [trace.sessionId, trace.userId],
      [sessionId, userId],
      JSON.stringify(attributes),
    );
  }
});

test("interpretSpans() accepts tags as a comma string or a JSON string and flags both", () => {
  const cases: [AttrValue, string[], string][] = [
    [
      "support, refund",
      ["support", "refund"],
      'Tags sent as a string ("support, refund"); Langfuse accepts it, but send a string array',
    ],
    [
      '["a","b"]',
      ["a", "b"],
      'Tags sent as a string ("[\\"a\\",\\"b\\"]"); Langfuse accepts it, but send a string array',
    ],
    [
      "solo",
      ["solo"],
      'Tags sent as a string ("solo"); Langfuse accepts it, but send a string array',
    ],
    [[1, "x"], ["1", "x"], 'Tags [1,"x"] are not all strings; Langfuse converts each to a string'],
  ];
  for (const [tags, expected, message] of cases) {
    const view = interpretSpans([span("a1", { attributes: turn({ [TRACE.tags]: tags }) })]);
    assert.deepEqual(view.traces[0].tags, expected);
    assert.deepEqual(view.problems.map((p) => p.message), [message]);
  }
});

test("interpretSpans() flags metadata Langfuse's filters cannot reach and leaves flat strings alone", () => {
  const cases: [Record<string, AttrValue>, string[]][] = [
    [{ [`${TRACE_METADATA_PREFIX}tier`]: "gold" }, []],
    [{ [`${TRACE_METADATA_PREFIX}note`]: "{not json" }, []],
    [
      { [`${TRACE_METADATA_PREFIX}customer`]: '{"tier":"gold","region":"eu"}' },
      [
        'Metadata "langfuse.trace.metadata.customer" of span "a1" is a nested object; Langfuse ' +
        "stores it as JSON text, so filters cannot match its fields: flatten it into string " +
        "values, one attribute per field",
      ],
    ],
    [
      { [`${TRACE_METADATA_PREFIX}steps`]: ["a", "b"] },
      [
        'Metadata "langfuse.trace.metadata.steps" of span "a1" is a nested array; Langfuse ' +
        "stores it as JSON text, so filters cannot match its fields: flatten it into string " +
        "values, one attribute per field",
      ],
    ],
    // A JSON object in one attribute: Langfuse reads its fields as the metadata's.
    [{ "langfuse.trace.metadata": '{"tier":"gold"}' }, []],
    [
      { "langfuse.trace.metadata": "gold" },
      [
        'Metadata sent as one attribute "langfuse.trace.metadata" on span "a1" is not a JSON ' +
        'object; Langfuse drops it: send one "langfuse.trace.metadata.<key>" attribute per ' +
        "field, each a string",
      ],
    ],
    [
      { "langfuse.observation.metadata.request": { id: "r1" } },
      [
        'Metadata "langfuse.observation.metadata.request" of span "a1" is a nested object; ' +
        "Langfuse stores it as JSON text, so filters cannot match its fields: flatten it into " +
        "string values, one attribute per field",
      ],
    ],
  ];
  for (const [extra, messages] of cases) {
    const view = interpretSpans([span("a1", { attributes: turn(extra) })]);
    assert.deepEqual(view.problems.map((p) => p.message), messages, JSON.stringify(extra));
  }
});

test("interpretSpans() normalizes environments as Langfuse does and flags changed values", () => {
  const cases: [Record<string, AttrValue>, Record<string, AttrValue>, string, string[]][] = [
    [{ [TRACE.environment]: "staging" }, {}, "staging", []],
    [{}, {}, "default", []],
    [{ [SEMCONV.environment[0]]: "ci" }, {}, "ci", []],
    [{}, { [TRACE.environment]: "from-resource" }, "from-resource", []],
    // Key by key: the resource's langfuse.environment beats the span's deployment name.
    [{ [SEMCONV.environment[0]]: "span-dep" }, { [TRACE.environment]: "res-lf" }, "res-lf", []],
    [{ [TRACE.environment]: "Production" }, {}, "production", [
      'Environment "Production" will be stored as "production"',
    ]],
    [{ [TRACE.environment]: "langfuse-prod" }, {}, "prod", [
      'Environment "langfuse-prod" will be stored as "prod"',
    ]],
    [{ [TRACE.environment]: "prod env" }, {}, "default", [
      'Environment "prod env" will be stored as "default": Langfuse allows only lowercase a-z, ' +
      '0-9, "_" and "-", at most 40 characters, not starting with "langfuse"',
    ]],
    [{ [TRACE.environment]: "e".repeat(45) }, {}, "e".repeat(40), [
      `Environment "${"e".repeat(45)}" will be stored as "${"e".repeat(40)}"`,
    ]],
  ];
  for (const [extra, resource, environment, problems] of cases) {
    const attributes = turn(extra);
    if (!(TRACE.environment in extra)) delete attributes[TRACE.environment];
    const view = interpretSpans([span("a1", { attributes, resource })]);
    assert.equal(view.traces[0].environment, environment, JSON.stringify([extra, resource]));
    assert.deepEqual(view.problems.map((p) => p.message), problems);
  }
});

test("interpretSpans() keeps plain string input and output as sent, without a problem, as Langfuse stores the strings its SDK v5 sends", () => {
  const view = interpretSpans([
    span("a1", {
      name: "turn",
      attributes: turn({
        [OBSERVATION.input]: "Where is my order?",
        [OBSERVATION.output]: "It ships today.",
      }),
    }),
  ]);
  assert.equal(view.traces[0].input, "Where is my order?");
  assert.equal(view.traces[0].output, "It ships today.");
  assert.deepEqual(view.problems, []);
});

test("interpretSpans() builds the observation tree with children in start order", () => {
  const view = interpretSpans([
    span("a1", { name: "turn", end: 5_000, attributes: turn() }),
    span("c3", { parent: "a1", name: "answer", start: 3_000, end: 4_000, attributes: turn() }),
    span("c1", { parent: "a1", name: "plan", start: 100, end: 900, attributes: turn() }),
    span("c2", { parent: "a1", name: "lookup", start: 1_000, end: 2_900, attributes: turn() }),
    span("g1", { parent: "c2", name: "fetch", start: 1_200, end: 1_300, attributes: turn() }),
  ]);
  assert.equal(shape(view.traces[0].observations), "turn(plan lookup(fetch) answer)");
  const lookup = view.traces[0].observations[0].children[1];
  assert.deepEqual(
    [lookup.id, lookup.parentId, lookup.startMs, lookup.durationMs],
    ["c2", "a1", T0 + 1_000, 1_900],
  );
  assert.deepEqual(view.problems, []);
});

test("interpretSpans() takes the observation type as declared or infers it", () => {
  const cases: [Record<string, AttrValue>, string][] = [
    [{ [OBSERVATION.type]: "retriever" }, "retriever"],
    [{ [SEMCONV.operationName]: "chat" }, "generation"],
    [{ [SEMCONV.operationName]: "execute_tool" }, "tool"],
    [{ [SEMCONV.operationName]: "invoke_agent" }, "agent"],
    [{ [SEMCONV.operationName]: "embeddings" }, "embedding"],
    [{ [OBSERVATION.type]: "tool", [SEMCONV.operationName]: "chat" }, "tool"],
    [{ [SEMCONV.requestModel]: "gpt-4o-mini" }, "generation"],
    [{ [SEMCONV.toolName]: "lookup_order" }, "tool"],
    [{}, "span"],
  ];
  for (const [extra, type] of cases) {
    const obs = interpretSpans([span("a1", { attributes: turn(extra) })]).traces[0].observations[0];
    assert.equal(obs.type, type, JSON.stringify(extra));
  }
});

test("interpretSpans() flags an unknown observation type and uses the inferred one", () => {
  const view = interpretSpans([
    span("a1", {
      name: "llm",
      attributes: turn({ [OBSERVATION.type]: "Generation", [SEMCONV.operationName]: "chat" }),
    }),
  ]);
  assert.equal(view.traces[0].observations[0].type, "generation");
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Observation type "Generation" of span "llm" is not one of span, generation, event, ' +
    'embedding, agent, tool, chain, retriever, guardrail, evaluator; Langfuse uses "generation"',
  ]);
});

test("interpretSpans() reads levels, status errors and status messages", () => {
  const cases: [Record<string, AttrValue>, ReceivedSpan["status"], string, string | undefined][] = [
    [
      { [OBSERVATION.level]: "WARNING", [OBSERVATION.statusMessage]: "slow" },
      { code: 0 },
      "WARNING",
      "slow",
    ],
    [{}, { code: 2, message: "upstream 503" }, "ERROR", "upstream 503"],
    [{ [OBSERVATION.level]: "DEBUG" }, { code: 2 }, "DEBUG", undefined],
    [{}, { code: 1 }, "DEFAULT", undefined],
  ];
  for (const [extra, status, level, statusMessage] of cases) {
    const view = interpretSpans([span("a1", { attributes: turn(extra), status })]);
    const obs = view.traces[0].observations[0];
    assert.deepEqual([obs.level, obs.statusMessage], [level, statusMessage]);
    assert.deepEqual(view.problems, []);
  }
});

test("interpretSpans() flags a level outside the four Langfuse levels", () => {
  const cases: [string, ReceivedSpan["status"], string, string][] = [
    [
      "warn",
      { code: 0 },
      "WARNING",
      'Level "warn" of span "a1" is not one of DEBUG, DEFAULT, WARNING, ERROR; ' +
      "Langfuse v4 reads it as WARNING and a v3 server drops the observation",
    ],
    [
      "LOUD",
      { code: 2 },
      "ERROR",
      'Level "LOUD" of span "a1" is not one of DEBUG, DEFAULT, WARNING, ERROR; ' +
      "Langfuse v4 ignores it and a v3 server drops the observation",
    ],
  ];
  for (const [level, status, expected, message] of cases) {
    const view = interpretSpans([
      span("a1", { attributes: turn({ [OBSERVATION.level]: level }), status }),
    ]);
    assert.equal(view.traces[0].observations[0].level, expected);
    assert.deepEqual(view.problems.map((p) => p.message), [message]);
  }
});

test("interpretSpans() reads a generation's model, usage, cost, TTFT and prompt", () => {
  const view = interpretSpans([
    span("a1", {
      name: "llm.answer",
      end: 850,
      attributes: turn({
        [OBSERVATION.type]: "generation",
        [OBSERVATION.model]: "gpt-4o-mini",
        [SEMCONV.requestModel]: "gpt-4o",
        [OBSERVATION.usage]: '{"input":812,"output":96,"total":908}',
        [OBSERVATION.cost]: '{"input":0.000122,"output":0.000057,"total":0.000179}',
        [OBSERVATION.completionStartTime]: "2025-03-04T10:15:02.320Z",
        [OBSERVATION.promptName]: "support-answer",
        [OBSERVATION.promptVersion]: 3,
      }),
    }),
  ]);
  const { children: _, ...obs } = view.traces[0].observations[0];
  assert.deepEqual(obs, {
    id: "a1",
    name: "llm.answer",
    type: "generation",
    level: "DEFAULT",
    startMs: T0,
    durationMs: 850,
    model: "gpt-4o-mini",
    usage: { input: 812, output: 96, total: 908 },
    cost: 0.000179,
    completionStartMs: T0 + 320,
    prompt: { name: "support-answer", version: 3 },
  });
  assert.equal(view.traces[0].totalTokens, 908);
  assert.equal(view.traces[0].totalCost, 0.000179);
  assert.deepEqual(view.problems, []);
});

test("interpretSpans() falls back to gen_ai usage, cost and response model, summing missing totals", () => {
  const cases: [Record<string, AttrValue>, Partial<ViewObservation>][] = [
    [
      {
        [SEMCONV.requestModel]: "gpt-4o",
        [SEMCONV.responseModel]: "gpt-4o-2024-08-06",
        [SEMCONV.inputTokens]: 500,
        [SEMCONV.outputTokens]: 40,
        [SEMCONV.cost]: 0.0021,
      },
      {
        model: "gpt-4o-2024-08-06",
        usage: { input: 500, output: 40, total: 540 },
        cost: 0.0021,
      },
    ],
    [
      { [OBSERVATION.usage]: '{"input":10,"output":5,"input_cached":3}' },
      { usage: { input: 10, output: 5, total: 18, details: { input_cached: 3 } } },
    ],
    [{ [OBSERVATION.cost]: '{"input":0.5,"output":0.25}' }, { cost: 0.75 }],
    // Langfuse sums input and output only when they are the only cost buckets.
    [{ [OBSERVATION.cost]: '{"input":0.5,"cache_read":0.1}' }, {}],
  ];
  for (const [extra, expected] of cases) {
    const obs = interpretSpans([span("a1", { attributes: turn(extra) })]).traces[0].observations[0];
    assert.deepEqual(
      { model: obs.model, usage: obs.usage, cost: obs.cost },
      { model: undefined, usage: undefined, cost: undefined, ...expected },
      JSON.stringify(extra),
    );
  }
});

test("interpretSpans() flags usage and cost details that are not JSON objects and records none", () => {
  const view = interpretSpans([
    span("a1", {
      name: "llm",
      attributes: turn({
        [OBSERVATION.usage]: "[812]",
        [SEMCONV.inputTokens]: 812,
        [OBSERVATION.cost]: "[0.1]",
        [SEMCONV.cost]: 0.1,
      }),
    }),
  ]);
  const obs = view.traces[0].observations[0];
  assert.deepEqual([obs.usage, obs.cost], [undefined, undefined]);
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Usage details of span "llm" are not a JSON object; Langfuse records no usage',
    'Cost details of span "llm" are not a JSON object; Langfuse records no cost',
  ]);
});

test("interpretSpans() reads gen_ai usage and cost when the details are not JSON at all", () => {
  const view = interpretSpans([
    span("a1", {
      name: "llm",
      attributes: turn({
        [OBSERVATION.usage]: "{input: 812}",
        [SEMCONV.inputTokens]: 812,
        [OBSERVATION.cost]: "total=0.1",
        [SEMCONV.cost]: 0.1,
      }),
    }),
  ]);
  const obs = view.traces[0].observations[0];
  assert.deepEqual([obs.usage, obs.cost], [{ input: 812, total: 812 }, 0.1]);
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Usage details of span "llm" are not valid JSON; Langfuse ignores ' +
    '"langfuse.observation.usage_details"',
    'Cost details of span "llm" are not valid JSON; Langfuse ignores ' +
    '"langfuse.observation.cost_details"',
  ]);
});

test("interpretSpans() drops model, usage and cost on invoke_agent spans and flags them", () => {
  const view = interpretSpans([
    span("a1", {
      name: "agent",
      attributes: turn({
        [SEMCONV.operationName]: "invoke_agent",
        [SEMCONV.requestModel]: "gpt-4o",
        [SEMCONV.inputTokens]: 900,
      }),
    }),
  ]);
  const obs = view.traces[0].observations[0];
  assert.deepEqual([obs.type, obs.model, obs.usage], ["agent", undefined, undefined]);
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Span "agent" has usage or cost but gen_ai.operation.name "invoke_agent"; ' +
    "Langfuse ignores its model, usage and cost",
  ]);
});

test("interpretSpans() keeps the model of an agent-typed span without flagging it", () => {
  const view = interpretSpans([
    span("a1", {
      attributes: turn({ [OBSERVATION.type]: "agent", [OBSERVATION.model]: "gpt-4o" }),
    }),
  ]);
  assert.deepEqual([view.traces[0].observations[0].model, view.problems], ["gpt-4o", []]);
});

test("interpretSpans() flags a prompt version that is not an int attribute", () => {
  const generation = { [OBSERVATION.type]: "generation", [OBSERVATION.promptName]: "answer" };
  const cases: [Record<string, AttrValue>, Record<string, string>, string][] = [
    [
      { [OBSERVATION.promptVersion]: "3" },
      {},
      'Prompt version "3" of span "llm" is a string attribute, not an int; Langfuse drops this observation',
    ],
    [
      { [OBSERVATION.promptVersion]: 3 },
      { [OBSERVATION.promptVersion]: "double" },
      'Prompt version "3" of span "llm" is a double attribute, not an int; Langfuse drops this observation',
    ],
    [{}, {}, 'Prompt "answer" of span "llm" has no version; Langfuse drops this observation'],
  ];
  for (const [extra, types, message] of cases) {
    const view = interpretSpans([
      span("a1", { name: "llm", attributes: turn({ ...generation, ...extra }), types }),
    ]);
    assert.deepEqual(view.traces[0].observations[0].prompt, { name: "answer" });
    assert.deepEqual(view.problems.map((p) => p.message), [message]);
  }
});

test("interpretSpans() ignores a prompt link on a non-generation and flags it", () => {
  const view = interpretSpans([
    span("a1", {
      name: "route",
      attributes: turn({ [OBSERVATION.promptName]: "router", [OBSERVATION.promptVersion]: 2 }),
    }),
  ]);
  assert.equal(view.traces[0].observations[0].prompt, undefined);
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Prompt link on span "route" is ignored; Langfuse links prompts to generations only',
  ]);
});

test("interpretSpans() flags each span without a session id or user id", () => {
  const attributes = turn();
  delete attributes[TRACE.sessionId];
  delete attributes[TRACE.userId];
  const view = interpretSpans([
    span("a1", { name: "turn", attributes }),
    span("a2", { parent: "a1", name: "llm", start: 10, end: 900, attributes }),
  ]);
  assert.deepEqual(view.sessions, []);
  assert.deepEqual(view.users, []);
  assert.deepEqual(view.problems, [
    {
      traceId: TRACE_A,
      spanId: "a1",
      message: 'Span "turn" has no session id; Langfuse cannot group it into a session',
    },
    {
      traceId: TRACE_A,
      spanId: "a1",
      message: 'Span "turn" has no user id; Langfuse cannot attribute it to a user',
    },
    {
      traceId: TRACE_A,
      spanId: "a2",
      message: 'Span "llm" has no session id; Langfuse cannot group it into a session',
    },
    {
      traceId: TRACE_A,
      spanId: "a2",
      message: 'Span "llm" has no user id; Langfuse cannot attribute it to a user',
    },
  ]);
});

test("interpretSpans() flags a span whose session or user differs from its root's", () => {
  const view = interpretSpans([
    span("a1", { name: "turn", attributes: turn() }),
    span("a2", {
      parent: "a1",
      name: "llm",
      start: 10,
      end: 900,
      attributes: turn({ [TRACE.sessionId]: "conv_2", [TRACE.userId]: "usr_2" }),
    }),
  ]);
  assert.deepEqual([view.traces[0].sessionId, view.traces[0].userId], ["conv_1", "usr_1"]);
  assert.deepEqual(view.problems.map((p) => [p.spanId, p.message]), [
    ["a2", 'Span "llm" has session id "conv_2" but its trace root has "conv_1"'],
    ["a2", 'Span "llm" has user id "usr_2" but its trace root has "usr_1"'],
  ]);
});

test("interpretSpans() flags trace-level values the spans of one trace disagree on", () => {
  const view = interpretSpans([
    span("a1", { name: "turn", attributes: turn() }),
    span("a2", {
      parent: "a1",
      start: 10,
      end: 900,
      attributes: turn({
        [TRACE.environment]: "staging",
        [TRACE.version]: "1.5.0",
        [TRACE.name]: "other-name",
      }),
    }),
  ]);
  assert.equal(view.traces[0].environment, "production");
  assert.deepEqual(view.problems.map((p) => p.message), [
    'Spans of the trace disagree on environment ("production", "staging"); ' +
    "Langfuse v4 keeps the latest non-empty value, so the trace may not show the root's",
    'Spans of the trace disagree on version ("1.4.0", "1.5.0"); ' +
    "Langfuse v4 keeps the latest non-empty value, so the trace may not show the root's",
    'Spans of the trace disagree on trace name ("support-turn", "other-name"); ' +
    "Langfuse v4 keeps the latest non-empty value, so the trace may not show the root's",
  ]);
});

test("interpretSpans() flags a trace whose root span never arrived", () => {
  const view = interpretSpans([
    span("c1", { parent: "a1", name: "llm", start: 100, end: 900, attributes: turn() }),
    span("c2", {
      parent: "a1",
      name: "tool",
      start: 1_000,
      end: 1_200,
      attributes: turn({ [TRACE.name]: "" }),
    }),
  ]);
  const trace = view.traces[0];
  assert.deepEqual(
    [trace.hasRoot, trace.name, trace.startMs, trace.durationMs, shape(trace.observations)],
    [false, "support-turn", T0 + 100, 1_100, "llm tool"],
  );
  assert.deepEqual(view.problems, [{
    traceId: TRACE_A,
    message: "Trace has no root span: only 2 child spans arrived, " +
      "so Langfuse has no trace name, input or output",
  }]);
});

test("interpretSpans() flags a child that starts before or ends after its parent", () => {
  const view = interpretSpans([
    span("a1", { name: "turn", start: 100, end: 1_000, attributes: turn() }),
    span("a2", { parent: "a1", name: "early", start: 40, end: 500, attributes: turn() }),
    span("a3", { parent: "a1", name: "late", start: 600, end: 1_250, attributes: turn() }),
  ]);
  assert.deepEqual(view.problems.map((p) => [p.spanId, p.message]), [
    ["a2", 'Span "early" starts 60ms before its parent "turn"'],
    ["a3", 'Span "late" ends 250ms after its parent "turn"'],
  ]);
});

test("interpretSpans() allows a child 1ms past its parent (the SDK's millisecond start clock), not 2ms", () => {
  const view = interpretSpans([
    span("a1", { name: "turn", start: 100, end: 1_000, attributes: turn() }),
    span("a2", { parent: "a1", name: "tool", start: 99, end: 1_001, attributes: turn() }),
    span("a3", { parent: "a1", name: "late", start: 600, end: 1_002, attributes: turn() }),
  ]);
  assert.deepEqual(view.problems.map((p) => [p.spanId, p.message]), [
    ["a3", 'Span "late" ends 2ms after its parent "turn"'],
  ]);
});

test("interpretSpans() groups traces into sessions in start order and totals users", () => {
  const llm = (extra: Record<string, AttrValue>) =>
    turn({
      [OBSERVATION.type]: "generation",
      [OBSERVATION.usage]: '{"input":100,"output":20}',
      [OBSERVATION.cost]: '{"total":0.001}',
      ...extra,
    });
  const view = interpretSpans([
    span("b1", { traceId: TRACE_B, start: 60_000, end: 61_500, attributes: llm({}) }),
    span("a1", { start: 0, end: 2_000, attributes: llm({}) }),
    span("c1", {
      traceId: "6df1b15799d56fc8c5e014b02020696a",
      start: 5_000,
      end: 5_400,
      attributes: llm({ [TRACE.sessionId]: "conv_2", [TRACE.userId]: "usr_2" }),
    }),
    span("d1", {
      traceId: "7e02c268aae670d9d6f125c13131707b",
      start: 90_000,
      end: 90_100,
      attributes: llm({ [TRACE.userId]: "usr_3" }),
    }),
  ]);
  assert.deepEqual(view.traces.map((t) => t.id), [
    TRACE_A,
    "6df1b15799d56fc8c5e014b02020696a",
    TRACE_B,
    "7e02c268aae670d9d6f125c13131707b",
  ]);
  assert.deepEqual(view.sessions, [
    {
      id: "conv_1",
      userIds: ["usr_1", "usr_3"],
      traceIds: [TRACE_A, TRACE_B, "7e02c268aae670d9d6f125c13131707b"],
      startMs: T0,
      durationMs: 90_100,
      spanCount: 3,
      totalCost: 0.003,
      totalTokens: 360,
    },
    {
      id: "conv_2",
      userIds: ["usr_2"],
      traceIds: ["6df1b15799d56fc8c5e014b02020696a"],
      startMs: T0 + 5_000,
      durationMs: 400,
      spanCount: 1,
      totalCost: 0.001,
      totalTokens: 120,
    },
  ]);
  assert.deepEqual(view.users, [
    { id: "usr_1", sessionCount: 1, traceCount: 2, totalCost: 0.002, totalTokens: 240 },
    { id: "usr_2", sessionCount: 1, traceCount: 1, totalCost: 0.001, totalTokens: 120 },
    { id: "usr_3", sessionCount: 1, traceCount: 1, totalCost: 0.001, totalTokens: 120 },
  ]);
  assert.deepEqual(view.problems, [
    { message: 'Session "conv_1" has traces of 2 users ("usr_1", "usr_3")' },
  ]);
});

test("interpretSpans() finds no problems in spans that follow the contract", () => {
  const view = interpretSpans([
    span("a1", {
      name: "turn",
      end: 2_000,
      attributes: turn({ [OBSERVATION.type]: "agent", [OBSERVATION.input]: '{"q":"hi"}' }),
    }),
    span("a2", {
      parent: "a1",
      name: "llm",
      start: 10,
      end: 900,
      attributes: turn({
        [OBSERVATION.type]: "generation",
        [OBSERVATION.model]: "gpt-4o-mini",
        [OBSERVATION.promptName]: "answer",
        [OBSERVATION.promptVersion]: 1,
      }),
    }),
  ]);
  assert.deepEqual(view.problems, []);
});

test("interpretSpans() flags developer messages beside OpenAI tool calls, which Langfuse shows as JSON unless the name says openai", () => {
  const call = {
    role: "assistant",
    tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
  };
  const input = (messages: unknown[]) => ({ [OBSERVATION.input]: JSON.stringify(messages) });
  const developer = { role: "developer", content: "Be brief." };
  const system = { role: "system", content: "Be brief." };
  const cases: [string, Record<string, AttrValue>, string[]][] = [
    [
      "answer",
      input([developer, call]),
      [
        'Input of span "answer" has a developer message and OpenAI tool calls: Langfuse shows ' +
        'it as JSON, not as a conversation, unless the name contains "openai" (as its OpenAI ' +
        'integration\'s "OpenAI-generation" does)',
      ],
    ],
    ["OpenAI-generation", input([developer, call]), []],
    ["answer", input([system, call]), []],
    ["answer", input([developer, { role: "user", content: "hi" }]), []],
  ];
  for (const [name, attributes, expected] of cases) {
    const view = interpretSpans([span("a1", { name, attributes: turn(attributes) })]);
    assert.deepEqual(view.problems.map((p) => p.message), expected, name);
  }
});
