import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { mainGeneration, turnMessages } from "../plan/chat.ts";
import { messageTokens } from "../plan/tokens.ts";
import { planSession } from "../plan/session.ts";
import { countSpans, type ObservationPlan } from "../plan/types.ts";
import { parseDurationRange } from "../script/duration.ts";
import { parseScript, readScriptFile, templatedStrings } from "../script/read.ts";
import { findPersonalData } from "../script/privacy.ts";
import type { ScriptInput, StepInput } from "../script/schema.ts";
import { recordedSession } from "../../testing/plan_recording.ts";
import { RecordError, toScripts } from "./script.ts";
import type {
  RecordedObservation,
  RecordedPrompt,
  RecordedSession,
  RecordedTrace,
} from "./types.ts";

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

/** Personal data and secrets planted in every field of the corpus; none may appear in a script. */
const PLANTED = {
  email: "anna.kowalski@example.org",
  phone: "+48 601 234 567",
  card: "4111 1111 1111 1111",
  iban: "DE89370400440532013000",
  account: "87654321",
  order: "48213",
  orderRef: "ORD-77123",
  tracking: "1Z999AA10123456784",
  key: "sk-lf-1234abcd5678efgh",
  github: "ghp_abcdefghijklmnopqrstuvwxyz12",
  bearer: "abcdEFGH1234ijkl5678",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  password: "hunter2",
  queryToken: "Zx9fQ2mLp",
  ipv4: "203.0.113.42",
  ipv6: "2001:db8:85a3::8a2e:370:7334",
  first: "Katarzyna",
  last: "Nowak",
  greeted: "Bartholomew",
  signed: "Gwendolyn",
  sessionId: "sess-anna-7731",
  userId: "user-anna-kowalski",
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  otherSpanId: "span-x9q7w",
};

const P = PLANTED;
const SENTENCE = `Hi, my name is ${P.first} ${P.last}, mail ${P.email}, phone ${P.phone}.`;
const PAYMENT = `Card ${P.card}, IBAN ${P.iban}, account ${P.account}, order #${P.order} ` +
  `(${P.orderRef}), tracking ${P.tracking}.`;
const SECRETS = `key ${P.key} token ${P.github} Authorization: Bearer ${P.bearer} jwt ${P.jwt} ` +
  `https://admin:${P.password}@db.example.com/x https://api.example.com/cb?token=${P.queryToken}`;
const NETWORK = `from ${P.ipv4} and ${P.ipv6}; Hi ${P.greeted}!\nRegards,\n${P.signed}`;
const IDS =
  `trace ${P.traceId} span ${P.spanId} ${P.otherSpanId} session ${P.sessionId} user ${P.userId}`;
const ALL = [SENTENCE, PAYMENT, SECRETS, NETWORK, IDS].join(" ");

function observation(
  partial: Partial<RecordedObservation> & Pick<RecordedObservation, "id" | "type" | "name">,
  startMs: number,
  endMs: number,
): RecordedObservation {
  return { startMs, endMs, children: [], ...partial };
}

/** A two-turn session with planted data in every content field, id, name, tag and metadata. */
function plantedSession(): RecordedSession {
  const trace = (t: number): RecordedTrace => {
    const start = T0 + t * 60_000;
    const generation = observation(
      {
        id: t === 0 ? P.spanId : `${P.spanId}-${t}`,
        type: "generation",
        name: "compose-answer",
        model: "gpt-4o-2024-08-06",
        modelParameters: { temperature: 0.3, user: P.email },
        input: [
          { role: "system", content: `Support agent. Escalate to ${P.email}.` },
          { role: "user", content: SENTENCE },
          { role: "tool", content: PAYMENT },
        ],
        output: { role: "assistant", content: `Thanks ${P.first}, ${NETWORK}` },
        usage: { input: 800, output: 60 },
        cost: { input: 0.002, output: 0.0006, total: 0.0026 },
        completionStartMs: start + 900,
        prompt: { name: "support-answer", version: 3 },
        metadata: { customer: P.email, attempt: 1 },
      },
      start + 500,
      start + 2500,
    );
    const tool = observation(
      {
        id: t === 0 ? P.otherSpanId : `${P.otherSpanId}-${t}`,
        type: "tool",
        name: `lookup ${P.email}`,
        level: "WARNING",
        statusMessage: `slow lookup for ${P.phone} from ${P.ipv4}`,
        input: { customer_email: P.email, [P.email]: P.card, args: SECRETS, phone: 48601234567 },
        output: { found: true, result: PAYMENT, ids: IDS, note: "literal {{braces}} here" },
      },
      start + 20,
      start + 400,
    );
    const parallel = observation(
      {
        id: `par-${t}`,
        type: "retriever",
        name: "policy-search",
        input: { query: NETWORK },
        output: [{ doc: "refunds", text: SECRETS }],
      },
      start + 30,
      start + 300,
    );
    return {
      id: t === 0 ? P.traceId : `${P.traceId.slice(0, 30)}0${t}`,
      name: `support-${P.email}`,
      sessionId: P.sessionId,
      userId: P.userId,
      tags: ["vip", `customer:${P.email}`, P.orderRef, "order-status"],
      metadata: {
        environment: "production",
        customer_email: P.email,
        [P.email]: "x",
        turn_kind: t === 0 ? "status" : "refund",
        outcome: "answered",
        region: "mars",
      },
      version: `v-${P.orderRef}`,
      release: P.key,
      input: ALL,
      output: `Done, ${P.first}. ${PAYMENT}`,
      startMs: start,
      endMs: start + 2600,
      root: observation(
        {
          id: `root-${P.traceId}-${t}`,
          type: "span",
          name: "turn",
          input: ALL,
          output: "ok",
          children: [tool, parallel, generation],
        },
        start,
        start + 2600,
      ),
      orphans: [],
      scores: [
        { name: "user_feedback", dataType: "BOOLEAN", value: 1, comment: `${P.first}: ${P.email}` },
        { name: "sentiment", dataType: "CATEGORICAL", value: P.email },
      ],
    };
  };
  return {
    sessionId: P.sessionId,
    userId: P.userId,
    source: `Langfuse session ${P.sessionId} of ${P.userId}`,
    traces: [trace(0), trace(1)],
    scores: [
      {
        name: "resolution",
        dataType: "CATEGORICAL",
        value: "escalated",
        comment: `${P.first} asked for a human at ${P.phone}`,
      },
      { name: "CSAT score", dataType: "NUMERIC", value: 4 },
      { name: `callback ${P.phone}`, dataType: "BOOLEAN", value: 1 },
      { name: "contact", dataType: "CATEGORICAL", value: P.email },
    ],
  };
}

/** Every string in a planted value's forms that must not survive (each whole, and its parts). */
function forbidden(): string[] {
  const values = Object.values(PLANTED);
  const parts = [
    "kowalski",
    "601 234",
    "1111 1111",
    "0532013000",
    "abcdefghijklmnop",
    "jgNryP4J3",
    "8a2e:370",
  ];
  return [...values, ...parts];
}

function steps(script: ScriptInput): StepInput[] {
  const all: StepInput[] = [];
  const visit = (step: StepInput) => {
    all.push(step);
    (step.steps ?? []).forEach(visit);
  };
  for (const turn of script.turns) turn.steps.forEach(visit);
  return all;
}

/** The planted session with its linked prompt versions read: turn 2 links an older version. */
function sessionWithPrompts(): RecordedSession {
  const session = plantedSession();
  const older = session.traces[1].root!.children.find((o) => o.type === "generation")!;
  older.prompt = { name: "support-answer", version: 2 };
  const prompt = (version: number, system: string): RecordedPrompt => ({
    name: "support-answer",
    version,
    type: "chat",
    prompt: [
      { role: "system", content: system },
      { type: "placeholder", name: "history" },
    ],
    config: { model: "gpt-4o-2024-08-06", temperature: 0.3, escalate_to: P.email },
  });
  session.prompts = [
    prompt(3, `You help {{company}}'s customers. ${SENTENCE} ${SECRETS} Escalate to ${P.email}.`),
    prompt(2, "You help {{company}}'s customers."),
  ];
  return session;
}

describe("toScripts with the linked prompt versions read", () => {
  const [recorded] = toScripts([sessionWithPrompts()], { name: "prompted" });
  const script = parseScript(recorded.yaml, "prompted.yaml");

  it("declares each linked prompt with the newest linked version's text, its personal data replaced", () => {
    assert.equal(Array.isArray(script.prompts), true);
    const [declared] = script.prompts as Exclude<ScriptInput["prompts"], string | undefined>;
    assert.equal(declared.name, "support-answer");
    assert.equal(declared.type, "chat");
    assert.deepEqual(declared.labels, [], "a replay never moves a label");
    const [system, history] = declared.prompt as { role?: string; content?: string }[];
    assert.deepEqual(history, { type: "placeholder", name: "history" });
    assert.match(String(system.content), /^You help \{\{company\}\}'s customers\. Hi, my name is /);
    assert.match(String(system.content), /Escalate to \[e-mail\]\.$/);
    assert.deepEqual(declared.config, {
      model: "gpt-4o-2024-08-06",
      temperature: 0.3,
      escalate_to: "[e-mail]",
    });
    const text = recorded.yaml.toLowerCase();
    for (const value of forbidden()) {
      assert.ok(!text.includes(value.toLowerCase()), `"${value}" survived:\n${recorded.yaml}`);
    }
  });

  it("links every generation to the declared prompt by name, and says which versions it merged", () => {
    const prompts = steps(script).filter((step) => step.type === "generation")
      .map((step) => step.prompt);
    assert.deepEqual(prompts, ["support-answer", "support-answer"]);
    const notes = recorded.notes.join("\n");
    assert.match(notes, /Prompts support-answer: declared with the recorded version's text/);
    assert.match(
      notes,
      /"support-answer": the generations linked versions 2, 3; the script declares version 3's text/,
    );
  });

  it("leaves out instructions that are not the linked prompt's text, which a replay then sends", () => {
    for (const generation of steps(script).filter((step) => step.type === "generation")) {
      assert.ok(generation.messages!.every((m) => m.role !== "system"), generation.name);
      assert.deepEqual(generation.promptVariables, { company: "[company]" });
    }
    assert.match(
      recorded.notes.join("\n"),
      /2 generations whose instructions were not their linked prompt's text: a replay sends the declared text/,
    );
  });

  it("keeps a link as { name, version } when Langfuse no longer had that version, with a note", () => {
    const session = sessionWithPrompts();
    session.prompts = [];
    const [kept] = toScripts([session], { name: "unread" });
    const generations = steps(parseScript(kept.yaml, "unread.yaml"))
      .filter((step) => step.type === "generation");
    assert.deepEqual(generations[0].prompt, { name: "support-answer", version: 3 });
    assert.match(
      kept.notes.join("\n"),
      /Prompt support-answer: linked by name and version without text/,
    );
  });
});

describe("toScripts on sessions with planted personal data", () => {
  const [recorded] = toScripts([plantedSession()], { name: "planted" });

  it("leaves none of the planted values anywhere in the script text", () => {
    const text = recorded.yaml.toLowerCase();
    for (const value of forbidden()) {
      assert.ok(!text.includes(value.toLowerCase()), `"${value}" survived:\n${recorded.yaml}`);
    }
  });

  it("leaves nothing the privacy guard recognises in the text around the templates", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    for (const { path, text } of templatedStrings(script)) {
      const literal = text.replace(/\{\{.*?\}\}/g, " ");
      assert.equal(findPersonalData(literal), undefined, `${path.join(".")}: ${literal}`);
    }
  });

  it("writes a script that the real loader validates, templates included", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    assert.equal(script.name, "planted");
    assert.equal(script.session.id, "conv_{hex:21}");
    assert.equal(script.user.id, "usr_{hex:12}");
    assert.equal(script.turns.length, 2);
  });

  it("keeps the guard-approved trace fields and drops the rest with a note that never quotes them", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    assert.deepEqual(script.trace.tags, ["vip", "order-status"]);
    assert.deepEqual(script.trace.metadata, { environment: "production" });
    assert.equal(script.trace.version, "recorded");
    assert.equal(script.trace.release, undefined);
    assert.equal(script.trace.name, "planted-turn");
    const notes = recorded.notes.join("\n");
    assert.match(notes, /Dropped a trace name: it looks like personal data/);
    assert.match(notes, /Dropped a trace release/);
    assert.match(notes, /Dropped 2 tags/);
    assert.match(notes, /Dropped trace metadata customer_email: not a bounded key/);
    assert.match(notes, /Dropped trace metadata region: a recorded value is not one of eu, us/);
    assert.match(notes, /Dropped 1 trace metadata entry whose key is not shown/);
    assert.match(notes, /e-mail addresses/);
  });

  it("counts what it replaced per kind in the header comment", () => {
    const header = recorded.yaml.split("\n").filter((line) => line.startsWith("#"))
      .map((line) => line.replace(/^#\s*/, "")).join(" ");
    for (
      const kind of [
        "e-mail addresses",
        "phone numbers",
        "card numbers",
        "IBANs",
        "account numbers",
        "order references",
        "keys or tokens",
        "URLs with credentials or tokens",
        "IP addresses",
        "person names",
        "recorded ids",
      ]
    ) {
      assert.match(header, new RegExp(`\\d+ ${kind}[,.]`), kind);
    }
    assert.match(header, /yaml-language-server: \$schema=\.\.\/schema\/conversation\.schema\.json/);
    assert.match(header, /Review before sharing: free text can hide anything/);
  });

  it("declares a var for a value that recurs, so every turn tells the same story", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    assert.equal(script.vars?.email, "{{faker.internet.email}}");
    // The customer's first name recurs: one var, used in both turns' answers.
    const name = /\{\{(firstName\d*)\}\}/.exec(String(script.turns[0].output))?.[1];
    assert.equal(script.vars?.[name ?? ""], "{{faker.person.firstName}}");
    assert.ok(String(script.turns[1].output).includes(`{{${name}}}`));
  });

  it("replaces the recorded user and session ids in content by {{userId}} and {{sessionId}}", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    const text = JSON.stringify(script.turns[0].input);
    assert.match(text, /session \{\{sessionId\}\} user \{\{userId\}\}/);
  });

  it("keeps the tree: types, names, parallel children, model, prompt link, level; renames a personal name", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    const [tool, retriever, generation] = script.turns[0].steps;
    assert.deepEqual(
      [tool.type, retriever.type, generation.type],
      ["tool", "retriever", "generation"],
    );
    assert.equal(tool.name, "tool-1");
    assert.equal(tool.level, "WARNING");
    assert.equal(tool.statusMessage, "slow lookup for [phone] from [ip]");
    assert.equal(retriever.name, "policy-search");
    assert.equal(generation.model, "gpt-4o-2024-08-06");
    assert.deepEqual(generation.modelParameters, { temperature: 0.3 });
    assert.deepEqual(generation.prompt, { name: "support-answer", version: 3 });
    assert.deepEqual(generation.metadata, { attempt: 1 });
    assert.deepEqual(generation.messages?.map((m) => m.role), ["system", "user", "tool"]);
    assert.equal(script.turns[0].kind, "status");
    assert.equal(script.turns[1].kind, "refund");
    assert.equal(script.turns[0].scores?.length, 1);
    assert.match(String(script.turns[0].scores?.[0].comment), /^\[name\]: \[e-mail\]$/);
  });

  it("writes the session's own scores as the script's top-level scores, guarded like a turn's", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    assert.deepEqual(script.scores, [
      {
        name: "resolution",
        dataType: "CATEGORICAL",
        value: "escalated",
        comment: "[name] asked for a human at [phone]",
      },
      { name: "csat_score", dataType: "NUMERIC", value: 4 },
    ]);
    // Two trace scores (one per turn) and two session scores are dropped: counted, never shown.
    assert.match(recorded.yaml, /# 4 scores dropped: a name or value that is not a short token/);
  });

  it("derives a price per million tokens from the recorded cost and usage", () => {
    const script = parseScript(recorded.yaml, "planted.yaml");
    const generation = script.turns[0].steps[2];
    assert.deepEqual(generation.price, { input: 2.5, output: 10 });
    assert.equal(generation.cost, undefined);
  });

  it("sets parallel when children overlap in time", () => {
    const [turn] = toScripts([plantedSession()], { name: "planted" }).map((s) =>
      parseScript(s.yaml, "planted.yaml").turns[0]
    );
    // The tool (20..400ms) and the retriever (30..300ms) overlap: the root's steps run in
    // parallel; in a parallel parent each gap is the offset from the parent's start.
    const recorded = parseScript(
      toScripts([
        {
          ...plantedSession(),
          traces: [{
            ...plantedSession().traces[0],
            root: {
              ...plantedSession().traces[0].root!,
              children: [
                observation(
                  {
                    id: "a1",
                    type: "agent",
                    name: "agent",
                    children: [
                      observation({ id: "b1", type: "tool", name: "one" }, T0 + 10, T0 + 200),
                      observation({ id: "b2", type: "tool", name: "two" }, T0 + 50, T0 + 250),
                    ],
                  },
                  T0 + 5,
                  T0 + 260,
                ),
                observation({ id: "c1", type: "event", name: "done" }, T0 + 300, T0 + 300),
              ],
            },
          }],
        },
      ], { name: "parallel" })[0].yaml,
      "parallel.yaml",
    );
    const [agent, event] = recorded.turns[0].steps;
    assert.equal(agent.parallel, true);
    assert.equal(agent.steps?.[1].gap, "36ms..54ms");
    assert.equal(event.type, "event");
    assert.equal(event.duration, undefined);
    assert.equal(event.gap, "32ms..48ms");
    assert.ok(turn.steps.length === 3);
  });
});

describe("a name recognised once", () => {
  /**
   * "my name is" in turn 1; the same name bare in turn 2, tool args, a prompt, a status message,
   * metadata and a comment. And an agent's name recognised only in a score comment, bare in an
   * answer.
   */
  const session = (): RecordedSession => {
    const trace = (t: number, input: string): RecordedTrace => {
      const start = T0 + t * 60_000;
      const tool = observation(
        {
          id: `tool-${t}`,
          type: "tool",
          name: "lookup-customer",
          level: "WARNING",
          statusMessage: "slow lookup for Bartholomew",
          input: { customer: "Bartholomew Quincey" },
          output: { found: true },
          metadata: { customer: "Bartholomew" },
        },
        start + 10,
        start + 200,
      );
      const generation = observation(
        {
          id: `gen-${t}`,
          type: "generation",
          name: "answer",
          model: "gpt-4o-mini",
          input: [
            { role: "system", content: "You help Bartholomew Quincey with parcels." },
            { role: "user", content: input },
          ],
          output: { role: "assistant", content: "On its way, Bartholomew." },
        },
        start + 300,
        start + 900,
      );
      return {
        id: `trace-name-${t}`,
        tags: [],
        metadata: {},
        input,
        output: "On its way, Bartholomew.",
        startMs: start,
        endMs: start + 1000,
        root: observation(
          { id: `root-${t}`, type: "span", name: "turn", children: [tool, generation] },
          start,
          start + 1000,
        ),
        orphans: [],
        scores: [{
          name: "helpful",
          dataType: "BOOLEAN",
          value: 1,
          comment: "Quincey was pleased",
        }],
      };
    };
    const second = trace(1, "Bartholomew again: any news?");
    second.output = "Philippa from our team will call you.";
    second.scores.push({
      name: "agent",
      dataType: "CATEGORICAL",
      value: "ok",
      comment: "Thanks, Philippa",
    });
    return {
      source: "a test",
      traces: [trace(0, "Hi, my name is Bartholomew Quincey. Where is my parcel?"), second],
      scores: [],
    };
  };

  it("is replaced everywhere in the session: inputs, outputs, tool args, prompts, status messages, metadata, comments", () => {
    const [recorded] = toScripts([session()], { name: "named" });
    for (const value of ["Bartholomew", "Quincey", "Philippa"]) {
      assert.ok(!recorded.yaml.includes(value), `"${value}" survived:\n${recorded.yaml}`);
    }
    const script = parseScript(recorded.yaml, "named.yaml");
    assert.equal(script.vars?.firstName, "{{faker.person.firstName}}");
    assert.equal(script.vars?.lastName, "{{faker.person.lastName}}");
    assert.equal(script.turns[1].input, "{{firstName}} again: any news?");
    const [tool, generation] = script.turns[0].steps;
    assert.deepEqual(tool.input, { customer: "{{firstName}} {{lastName}}" });
    assert.equal(tool.statusMessage, "slow lookup for [name]");
    assert.equal(tool.metadata, undefined);
    assert.equal(
      generation.messages?.[0].content,
      "You help {{firstName}} {{lastName}} with parcels.",
    );
    assert.equal(script.turns[0].scores?.[0].comment, "[name] was pleased");
  });
});

describe("ranges around observed values", () => {
  const session = plantedSession();
  const script = parseScript(toScripts([session], { name: "ranges" })[0].yaml, "ranges.yaml");
  const contains = (range: number | string | undefined, value: number) => {
    assert.ok(range !== undefined);
    if (typeof range === "number") return assert.equal(range, value);
    const ms = parseDurationRange(range);
    const [lo, hi] = ms ? [ms.min, ms.max] : range.split("..").map(Number);
    assert.ok(lo <= value && value <= hi, `${value} outside ${range}`);
    assert.ok(lo >= value * 0.79 && hi <= value * 1.21 + 1, `${range} is wider than ±20%`);
  };

  it("puts every duration, gap, time to first token and usage around what was observed", () => {
    const [tool, retriever, generation] = script.turns[0].steps;
    contains(tool.duration, 380);
    contains(tool.gap, 20);
    contains(retriever.duration, 270);
    contains(retriever.gap, 30);
    contains(generation.duration, 2000);
    contains(generation.gap, 500);
    contains(generation.timeToFirstToken, 400);
    contains(generation.usage?.input, 800);
    contains(generation.usage?.output, 60);
  });

  it("puts the think time between turns around the gap from one trace's end to the next's start", () => {
    assert.equal(script.turns[0].thinkTime, undefined);
    contains(script.turns[1].thinkTime, 60_000 - 2600);
  });
});

describe("guesses and fallbacks", () => {
  const bare = (children: RecordedObservation[], metadata = {}): RecordedSession => ({
    source: "a test",
    traces: [{
      id: "t-guess-1",
      tags: [],
      metadata,
      input: "I want a refund",
      output: "Done",
      startMs: T0,
      endMs: T0 + 1000,
      root: observation({ id: "r-guess", type: "span", name: "root", children }, T0, T0 + 1000),
      orphans: [],
      scores: [],
    }],
    scores: [],
  });
  const turnOf = (session: RecordedSession) => {
    const [recorded] = toScripts([session], {});
    return { turn: parseScript(recorded.yaml, "guess.yaml").turns[0], recorded };
  };

  it("guesses failed from an ERROR level, and says the kind and outcome were guessed", () => {
    const { turn, recorded } = turnOf(bare([
      observation({ id: "e-1", type: "tool", name: "pay", level: "ERROR" }, T0 + 1, T0 + 9),
    ]));
    assert.equal(turn.outcome, "failed");
    assert.equal(turn.kind, "refund");
    assert.match(recorded.notes.join("\n"), /Turn 1: kind and outcome guessed/);
  });

  it("guesses escalated from a handoff-looking observation", () => {
    const { turn } = turnOf(bare([
      observation({ id: "h-1", type: "event", name: "handoff-requested" }, T0 + 1, T0 + 1),
    ]));
    assert.deepEqual([turn.kind, turn.outcome], ["escalation", "escalated"]);
  });

  it("uses a fixed cost when the recorded cost cannot be split into a price", () => {
    const { turn } = turnOf(bare([
      observation(
        {
          id: "g-1",
          type: "generation",
          name: "answer",
          usage: { input: 100, output: 0 },
          cost: { total: 0.01 },
        },
        T0 + 1,
        T0 + 9,
      ),
    ]));
    const [generation] = turn.steps;
    assert.deepEqual(generation.cost, { input: 0.01, output: 0 });
    assert.equal(generation.model, "recorded-model");
  });

  it("drops a prompt link without a version, with a note", () => {
    const { turn, recorded } = turnOf(bare([
      observation(
        {
          id: "g-2",
          type: "generation",
          name: "answer",
          model: "m",
          prompt: { name: "support-answer" },
        },
        T0 + 1,
        T0 + 9,
      ),
    ]));
    assert.equal(turn.steps[0].prompt, undefined);
    assert.match(recorded.notes.join("\n"), /1 prompt links dropped/);
  });

  it("gives a step whose status names a timeout that one duration, so the script validates and replays it exactly", () => {
    const { turn } = turnOf(bare([
      observation(
        {
          id: "t-1",
          type: "tool",
          name: "issue_refund",
          level: "ERROR",
          statusMessage: "payment provider timeout after 5s",
        },
        T0 + 1,
        T0 + 5_043,
      ),
    ]));
    assert.equal(turn.steps[0].duration, "5s");
  });

  it("makes a given name a valid script name", () => {
    const [script] = toScripts([bare([])], { name: "My Support Bot" });
    assert.equal(script.name, "my-support-bot");
    assert.equal(parseScript(script.yaml, "named.yaml").name, "my-support-bot");
  });

  it("refuses a session without traces with a RecordError", () => {
    assert.throws(
      () => toScripts([{ source: "a test", traces: [], scores: [] }], {}),
      RecordError,
    );
  });

  it("names several sessions' scripts apart", () => {
    const scripts = toScripts([bare([]), bare([])], { name: "same" });
    assert.deepEqual(scripts.map((s) => s.name), ["same-1", "same-2"]);
    for (const script of scripts) parseScript(script.yaml, `${script.name}.yaml`);
  });
});

/** The shape a reviewer compares: types, names, nesting, models, prompt links, levels, parallel children. */
function shape(observation: ObservationPlan): unknown {
  return {
    type: observation.type,
    name: observation.name,
    model: observation.model,
    prompt: observation.prompt?.name ?? observation.promptRef,
    level: observation.level,
    parallel: observation.children.some((child, i) =>
      observation.children.slice(0, i).some((earlier) => child.startMs < earlier.endMs)
    ),
    children: observation.children.map(shape),
  };
}

describe("a planned session of each shipped script records into a script of the same shape", () => {
  const files = readdirSync("conversations").filter((file) => file.endsWith(".yaml")).sort();
  for (const file of files) {
    it(`${file}: the recorded script's plan has the same tree, turn by turn`, async () => {
      const { script } = await readScriptFile(`conversations/${file}`);
      const plan = planSession(script, { seed: 7, endMs: T0, file });
      const [recorded] = toScripts([recordedSession(plan)], {});
      const replayed = parseScript(recorded.yaml, `${recorded.name}.yaml`);
      const again = planSession(replayed, { seed: 8, endMs: T0, file: "recorded.yaml" });
      assert.equal(again.turns.length, plan.turns.length);
      for (const [t, turn] of plan.turns.entries()) {
        assert.deepEqual(shape(again.turns[t].root), shape(turn.root), `turn ${t + 1}`);
        assert.equal(again.turns[t].kind, turn.kind);
        assert.equal(again.turns[t].outcome, turn.outcome);
      }
      // The session's scores (order-status has `resolution`) are declared again and planned again.
      const sessionScores = (p: typeof plan) =>
        p.scores.filter((score) => score.sessionId !== undefined).map((score) => ({
          name: score.name,
          dataType: score.dataType,
          value: score.value,
          comment: score.comment,
        }));
      assert.deepEqual(sessionScores(again), sessionScores(plan));
      assert.equal(replayed.scores?.length ?? 0, script.scores?.length ?? 0);
      assert.deepEqual(again.tags, plan.tags);
      assert.deepEqual(again.metadata, plan.metadata);
      assert.equal(again.traceName, plan.traceName);
      assert.ok(!recorded.yaml.includes(plan.sessionId) && !recorded.yaml.includes(plan.userId));
      for (const turn of plan.turns) assert.ok(!recorded.yaml.includes(turn.traceId));
      // Every observation the session played became a step (the root is the turn itself).
      const played = plan.turns.reduce((sum, turn) => sum + countSpans(turn.root) - 1, 0);
      assert.equal(steps(replayed).length, played);
    });
  }
});

describe("a recorded generation that carries its linked prompt's text", () => {
  it("keeps the link and its variables' values, and its replay sends the same instructions", async () => {
    const { script } = await readScriptFile("conversations/order-status.yaml");
    const plan = planSession(script, { seed: 3, endMs: T0, file: "order-status.yaml" });
    const session = recordedSession(plan);
    session.prompts = (script.prompts as Exclude<ScriptInput["prompts"], string | undefined>)
      .map(({ name, type, prompt, config }) => ({ name, version: 1, type, prompt, config }));
    const [recorded] = toScripts([session], {});
    const replayed = parseScript(recorded.yaml, "recorded.yaml");
    const generations = steps(replayed).filter((step) => step.type === "generation");
    assert.deepEqual(
      generations.map((step) => [step.prompt, step.promptVariables?.company]),
      [
        ["intent-router", undefined],
        ["support-answer", "an online shop"],
        ["support-answer", "an online shop"],
        ["intent-router", undefined],
        ["support-answer", "an online shop"],
      ],
    );
    assert.ok(generations.every((step) => (step.messages ?? []).every((m) => m.role !== "system")));
    assert.equal(generations[0].promptVariables?.intents, "order_status, delay, refund, other");
    assert.ok(!recorded.notes.join("\n").includes("not their linked prompt's text"));
    // The recorded script declares the prompts inline: its replay renders them as the original.
    const again = planSession(replayed, { seed: 3, endMs: T0, file: "recorded.yaml" });
    const systems = (p: typeof plan) =>
      p.turns.flatMap((turn) => generationsOf(turn.root)).map((g) =>
        (g.input as { content: string }[])[0]
      );
    assert.deepEqual(systems(again), systems(plan));
  });
});

function generationsOf(root: ObservationPlan): ObservationPlan[] {
  return [
    ...(root.type === "generation" ? [root] : []),
    ...root.children.flatMap(generationsOf),
  ];
}

describe("the conversation so far in a main generation", () => {
  it("is left out with its tokens, so a replay adds it back once, not twice", async () => {
    const { script } = await readScriptFile("conversations/order-status.yaml");
    const plan = planSession(script, { seed: 3, endMs: T0, file: "order-status.yaml" });
    const [recorded] = toScripts([recordedSession(plan)], {});
    const replayed = parseScript(recorded.yaml, "recorded.yaml");
    const planned = plan.turns[1].root.children[0].children.at(-1)!;
    const history = plan.turns.slice(0, 1).flatMap((turn) =>
      turnMessages(turn.root.input, turn.root.output)
    );
    const main = mainGeneration(replayed.turns[1])!;
    // The recorded input holds the system message, turn 1's question and answer, then its own.
    assert.equal((planned.input as unknown[]).length, main.messages!.length + 2);
    assert.deepEqual(main.messages!.map((m) => [m.role, m.name]), [
      ["system", undefined],
      ["user", undefined],
      ["tool", "carrier_incidents"],
      ["tool", "policy-search"],
    ]);
    const own = planned.usage!.input -
      history.reduce((sum, m) => sum + messageTokens(m, planned.model!), 0);
    const [lo, hi] = String(main.usage!.input).split("..").map(Number);
    assert.ok(lo <= own && own <= hi, `${own} outside ${main.usage!.input}`);
  });
});

describe("recordings beyond the default vocabularies", () => {
  const session = (
    traces: { metadata: Record<string, string>; children: RecordedObservation[] }[],
  ): RecordedSession => ({
    source: "a test",
    traces: traces.map(({ metadata, children }, t) => ({
      id: `t-open-${t}`,
      tags: [],
      metadata,
      input: "How do I rotate a key?",
      output: "Under Settings.",
      startMs: T0 + t * 10_000,
      endMs: T0 + t * 10_000 + 1000,
      root: observation(
        { id: `r-open-${t}`, type: "span", name: "root", children },
        T0 + t * 10_000,
        T0 + t * 10_000 + 1000,
      ),
      orphans: [],
      scores: [],
    })),
    scores: [],
  });
  const record = (recorded: RecordedSession) => {
    const [script] = toScripts([recorded], { name: "open" });
    return { script: parseScript(script.yaml, "open.yaml"), notes: script.notes.join("\n") };
  };

  it("declares recorded workflows, turn kinds and outcomes beyond the defaults in a vocabulary section", () => {
    const { script, notes } = record(session([
      {
        metadata: { workflow: "docs-search", turn_kind: "question", outcome: "cited" },
        children: [],
      },
      {
        metadata: { workflow: "docs-search", turn_kind: "status", outcome: "no_answer" },
        children: [],
      },
    ]));
    assert.deepEqual(script.vocabulary, {
      workflows: ["docs-search"],
      turnKinds: ["question"],
      outcomes: ["cited", "no_answer"],
    });
    assert.equal(script.trace.metadata.workflow, "docs-search");
    assert.deepEqual(script.turns.map((turn) => [turn.kind, turn.outcome]), [
      ["question", "cited"],
      ["status", "no_answer"],
    ]);
    assert.match(notes, /Declared under vocabulary \(recorded values beyond the defaults\)/);
    assert.doesNotMatch(notes, /guessed/);
  });

  it("guesses a kind or outcome that no script could declare, and drops such a workflow", () => {
    const { script, notes } = record(session([
      {
        metadata: { workflow: "Docs Search", turn_kind: "order-48213", outcome: "Cited!" },
        children: [],
      },
    ]));
    assert.equal(script.vocabulary, undefined);
    assert.deepEqual([script.turns[0].kind, script.turns[0].outcome], ["status", "answered"]);
    assert.equal(script.trace.metadata.workflow, undefined);
    assert.match(notes, /Turn 1: kind and outcome guessed/);
    assert.match(notes, /Dropped trace metadata workflow: a recorded value is not a short slug/);
    assert.doesNotMatch(notes, /48213/);
  });

  it("keeps every usage type, declaring new ones, and an embedding's model, usage and price", () => {
    const { script, notes } = record(session([{
      metadata: {},
      children: [
        observation(
          {
            id: "e-open",
            type: "embedding",
            name: "embed",
            model: "text-embedding-3-small",
            usage: { input: 100 },
            cost: { input: 0.000002, total: 0.000002 },
            input: ["a text"],
          },
          T0 + 1,
          T0 + 50,
        ),
        observation(
          {
            id: "g-open",
            type: "generation",
            name: "answer",
            model: "gpt-4o",
            usage: { input: 100, output: 10, input_cache_read: 50, "cache_read.input_tokens": 50 },
            cost: { input: 0.00025, output: 0.0001, input_cache_read: 0.0000625, total: 0.0004125 },
          },
          T0 + 60,
          T0 + 900,
        ),
      ],
    }]));
    const [embed, answer] = script.turns[0].steps;
    assert.deepEqual(
      { model: embed.model, usage: embed.usage, price: embed.price, input: embed.input },
      {
        model: "text-embedding-3-small",
        usage: { input: "80..120" },
        price: { input: 0.02 },
        input: ["a text"],
      },
    );
    assert.deepEqual(answer.usage, {
      input: "80..120",
      output: "8..12",
      input_cache_read: "40..60",
    });
    assert.deepEqual(answer.price, { input: 2.5, output: 10, input_cache_read: 1.25 });
    assert.deepEqual(script.vocabulary, { usageTypes: ["input_cache_read"] });
    assert.match(notes, /1 usage types dropped \(not a short slug/);
  });

  it("keeps developer messages and tool calls, their ids replaced alike across the session", () => {
    const input = (id: string) => [
      { role: "developer", content: "Cite the docs." },
      { role: "user", content: "How do I rotate a key?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id,
          type: "function",
          function: { name: "search_docs", arguments: '{"query":"rotate key"}' },
        }],
      },
      { role: "tool", tool_call_id: id, content: "settings/keys" },
    ];
    const generation = (t: number, messages: unknown) =>
      observation(
        {
          id: `g-msg-${t}`,
          type: "generation",
          name: "answer",
          model: "o4-mini",
          input: messages as never,
        },
        T0 + t * 10_000 + 1,
        T0 + t * 10_000 + 900,
      );
    const { script, notes } = record(session([
      { metadata: {}, children: [generation(0, input("call_Ab12xYz"))] },
      { metadata: {}, children: [generation(1, [...input("call_Ab12xYz"), ...input("call_Q9")])] },
      // A call no tool message answers cannot replay: the input stays raw.
      { metadata: {}, children: [generation(2, input("call_Zz").slice(0, 3))] },
    ]));
    const [first, second, third] = script.turns.map((turn) => turn.steps[0]);
    assert.deepEqual(first.messages![2], {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "search_docs", arguments: { query: "rotate key" } },
      }],
    });
    assert.deepEqual(first.messages![3], {
      role: "tool",
      content: "settings/keys",
      tool_call_id: "call_1",
    });
    // The second call holds the first turn with its tool calls, which a replay would not
    // rebuild: kept as the recorded input, so the replay does not add the conversation again.
    assert.equal(second.messages, undefined);
    const held = second.input as { tool_calls?: { id: string }[]; tool_call_id?: string }[];
    assert.deepEqual(
      held.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? m.tool_call_id ?? []),
      ["call_1", "call_1", "call_2", "call_2"],
    );
    assert.match(notes, /conversation so far in a form a replay does not rebuild/);
    assert.equal(third.messages, undefined);
    assert.ok(Array.isArray(third.input));
    assert.match(notes, /Tool call ids in generation messages are replaced by call_1, call_2/);
    assert.doesNotMatch(JSON.stringify(script), /call_Ab12xYz|call_Q9/);
  });
});
