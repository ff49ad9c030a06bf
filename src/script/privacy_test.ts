import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkPseudonymousId,
  checkToken,
  findPersonalData,
  parseIdFormat,
  type PersonalDataKind,
} from "./privacy.ts";
import { parseScript } from "./read.ts";
import { ScriptError } from "./errors.ts";

test("pseudonymous ids and generated formats are accepted", () => {
  for (
    const id of [
      "conv_82d9535867844b4c8cdff",
      "usr_pseudo_7f31c2",
      "conv_{hex:21}",
      "usr_{alnum:12}",
    ]
  ) {
    assert.equal(checkPseudonymousId(id), undefined, id);
  }
  assert.deepEqual(parseIdFormat("conv_{hex:21}"), {
    prefix: "conv_",
    alphabet: "hex",
    length: 21,
  });
});

test("personal data and secrets are refused with the reason", () => {
  const cases: [string, RegExp][] = [
    ["jane.doe@example.com", /looks like an e-mail address/],
    ["+44 20 7946 0958", /looks like a phone number/],
    ["0044207946095", /looks like a phone number/],
    ["ORDER-924", /looks like an order reference/],
    ["order_8f3a9c21", /named like an order reference/],
    ["acct_5521f09e", /named like an account number/],
    ["usr_99812345", /ends in digits only, like an account number/],
    ["sk-lf-1234abcd", /looks like a key or token/],
    ["eyJhbGciOiJIUzI1NiJ9", /looks like a key or token/],
    ["token_abcdef123", /named like an account number or key/],
    ["Jane Doe", /is not a pseudonymous id/],
    ["conv_{{faker.string.uuid}}", /must not use templating/],
    ["conv_{hex:3}", /between 6 and 64/],
  ];
  for (const [value, reason] of cases) {
    assert.match(checkPseudonymousId(value) ?? "accepted", reason, value);
  }
});

test("tags and other propagated values must be short tokens", () => {
  assert.equal(checkToken("order-status"), undefined);
  assert.match(checkToken("Where is my order?") ?? "", /is not a short token/);
  assert.match(checkToken("x".repeat(41)) ?? "", /is not a short token/);
  assert.match(checkToken("{{pick a|b}}") ?? "", /must not use templating/);
});

test("the schema applies the guard to session id, user id, tags and metadata", () => {
  const script = `name: demo
session: { id: jane@example.com }
user: { id: "+1 555 0100 200" }
trace:
  name: order-status-turn
  version: local
  tags: [Customer Jane]
  metadata: { region: mars }
turns:
  - { kind: status, input: a, output: b, outcome: answered, steps: [{ type: span, name: s }] }
`;
  assert.throws(
    () => parseScript(script, "p.yaml"),
    (error: Error & { problems: { field: string; message: string }[] }) => {
      assert.deepEqual(error.problems.map((p) => p.field), [
        "session.id",
        "user.id",
        "trace.tags[0]",
        "trace.metadata.region",
      ]);
      assert.match(error.problems[0].message, /e-mail/);
      assert.match(error.problems[1].message, /phone/);
      assert.equal(error.problems[3].message, "must be one of eu, us, global");
      return true;
    },
  );
});

/** Secrets and personal data in the spellings people paste, each with the kind it is. */
const PERSONAL: [string, PersonalDataKind][] = [
  ["sk-lf-1234abcd5678", "key or token"],
  ["SK-LF-1234ABCD5678", "key or token"],
  ["sk-proj-abcdEFGH1234", "key or token"],
  ["pk-lf-1234abcd", "key or token"],
  ["sk_live_51Habcdef", "key or token"],
  ["ghp_abcdefghij1234567890", "key or token"],
  ["GHP_ABCDEFGHIJ1234567890", "key or token"],
  ["github_pat_11abcdefgh", "key or token"],
  ["xoxb-1234-5678-abcdef", "key or token"],
  ["AKIAIOSFODNN7EXAMPLE", "key or token"],
  ["eyJhbGciOiJIUzI1NiJ9", "key or token"],
  ["EYJHBGCIOIJIUZI1NIJ9.EYJZDWIIOIIXMJMIFQ.SIG", "key or token"],
  ["eyjhbgcioijiuzi1nij9.eyjzdwiioiixmjmifq.sig", "key or token"],
  ["jane.doe@example.com", "e-mail address"],
  ["JANE@EXAMPLE.COM", "e-mail address"],
  ["4111 1111 1111 1111", "card number"],
  ["4111-1111-1111-1111", "card number"],
  ["4111111111111111", "card number"],
  ["card-5500-0000-0000-0004", "card number"],
  ["+44 20 7946 0958", "phone number"],
  ["+1-555-010-0200", "phone number"],
  ["+4915112345678", "phone number"],
  ["0044207946095", "phone number"],
  ["(020) 7946 0958", "phone number"],
  ["555-010-0200", "phone number"],
  ["acct-5521", "account number"],
  ["ACCOUNT_5521", "account number"],
  ["GB82WEST12345698765432", "account number"],
  ["cust-1234567890", "account number"],
  ["ORDER-924", "order reference"],
  ["order-924", "order reference"],
  ["order_924", "order reference"],
  ["Order#924", "order reference"],
  ["ord924", "order reference"],
  ["inv-2026-12345", "order reference"],
  ["ticket-#924", "order reference"],
];

/** Ordinary tags, names, versions and ids that must not be mistaken for any of them. */
const ORDINARY = [
  "order-status",
  "order-status-turn",
  "refund",
  "langgraph",
  "local",
  "v1.2.3",
  "2026.08.21",
  "2024-08-06",
  "gpt-4o-2024-08-06",
  "desk-lamp",
  "task-runner",
  "record-12",
  "sk-sk",
  "eyjafjallajokull",
  "build-12345678",
  "conv_82d9535867844b4c8cdff",
  "usr_pseudo_7f31c2",
  "usr_99812345",
  "session:eu-1",
];

test("findPersonalData() names every kind of secret and personal data, in any case and spelling", () => {
  for (const [value, kind] of PERSONAL) assert.equal(findPersonalData(value), kind, value);
  for (const value of ORDINARY) assert.equal(findPersonalData(value), undefined, value);
});

/** A script with one field to fill in (at ＠), and every field copied onto every span. */
const FIELDS: [string, string][] = [
  [
    "session.id",
    "session: { id: @ }\nuser: { id: usr_pseudo_7f31c2 }\ntrace:\n  name: demo-turn\n  version: local\n",
  ],
  [
    "user.id",
    "session: { id: conv_82d9535867844b4c8cdff }\nuser: { id: @ }\ntrace:\n  name: demo-turn\n  version: local\n",
  ],
  [
    "trace.name",
    "session: { id: conv_82d9535867844b4c8cdff }\nuser: { id: usr_pseudo_7f31c2 }\ntrace:\n  name: @\n  version: local\n",
  ],
  [
    "trace.version",
    "session: { id: conv_82d9535867844b4c8cdff }\nuser: { id: usr_pseudo_7f31c2 }\ntrace:\n  name: demo-turn\n  version: @\n",
  ],
  [
    "trace.release",
    "session: { id: conv_82d9535867844b4c8cdff }\nuser: { id: usr_pseudo_7f31c2 }\ntrace:\n  name: demo-turn\n  version: local\n  release: @\n",
  ],
  [
    "trace.tags[1]",
    "session: { id: conv_82d9535867844b4c8cdff }\nuser: { id: usr_pseudo_7f31c2 }\ntrace:\n  name: demo-turn\n  version: local\n  tags: [demo, @]\n",
  ],
];
const TURNS = `turns:
  - { kind: status, input: a, output: b, outcome: answered, steps: [{ type: span, name: s }] }
`;

test("every propagated field refuses every kind of secret and personal data at its line and column", () => {
  for (const [field, template] of FIELDS) {
    const text = `name: demo\n${template}${TURNS}`;
    const before = text.slice(0, text.indexOf("@")).split("\n");
    const at = { line: before.length, column: before.at(-1)!.length + 1 };
    for (const [value, kind] of PERSONAL) {
      const label = `${field} = ${value}`;
      assert.throws(
        () => parseScript(text.replace("@", JSON.stringify(value)), "x.yaml"),
        (error: unknown) => {
          assert.ok(error instanceof ScriptError, label);
          assert.equal(error.problems.length, 1, `${label}: ${error.message}`);
          assert.deepEqual(
            { line: error.line, column: error.column, field: error.field },
            { ...at, field },
            label,
          );
          assert.ok(error.message.startsWith(`x.yaml:${at.line}:${at.column}: ${field} `), label);
          assert.ok(
            error.message.includes(`looks like a${/^[aeiou]/.test(kind) ? "n" : ""} ${kind}`),
            `${label}: ${error.message}`,
          );
          assert.ok(!error.message.includes(value), `${label}: the value is not echoed`);
          return true;
        },
      );
    }
  }
});

/**
 * A script whose free text sent to Langfuse beside the spans' content (scores, status and error
 * messages, observation metadata, the review layer) is ordinary text, each field marked by its
 * path so one at a time can be replaced.
 */
const FREE_TEXT = `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local }
scores:
  - name: resolution
    dataType: CATEGORICAL
    value: resolved
    comment: "<scores[0].comment>"
    description: "<scores[0].description>"
turns:
  - kind: status
    input: a
    output: b
    outcome: answered
    statusMessage: "<turns[0].statusMessage>"
    steps:
      - type: tool
        name: s
        statusMessage: "<turns[0].steps[0].statusMessage>"
        metadata: { note: "<turns[0].steps[0].metadata.note>" }
        error: { rate: 0.1, message: "<turns[0].steps[0].error.message>" }
review:
  scoreConfigs:
    - name: justified
      dataType: CATEGORICAL
      categories: ["<review.scoreConfigs[0].categories[0]>", other]
      description: "<review.scoreConfigs[0].description>"
  queues:
    - name: "<review.queues[0].name>"
      description: "<review.queues[0].description>"
      objectType: SESSION
      scoreConfigs: [resolution, justified]
  comments:
    - on: session
      content: "<review.comments[0].content>"
`;

test("free text sent to Langfuse refuses every kind of secret and personal data, naming field and kind, never the value", () => {
  const fields = [...FREE_TEXT.matchAll(/"<([^>]+)>"/g)].map((match) => match[1]);
  assert.equal(fields.length, 11);
  const ordinary = (text: string) =>
    text.replace(/"<([^>]+)>"/g, (_match, field: string) => JSON.stringify(`ok ${field.length}`));
  // Ordinary text passes everywhere.
  parseScript(ordinary(FREE_TEXT), "x.yaml");
  for (const field of fields) {
    const placed = FREE_TEXT.replace(`"<${field}>"`, "@");
    const before = placed.slice(0, placed.indexOf("@")).split("\n");
    const at = { line: before.length, column: before.at(-1)!.length + 1 };
    for (const [value, kind] of PERSONAL) {
      const label = `${field} = ${value}`;
      assert.throws(
        () => parseScript(ordinary(placed).replace("@", JSON.stringify(value)), "x.yaml"),
        (error: unknown) => {
          assert.ok(error instanceof ScriptError, label);
          // A long value may also be too long for its field; the guard's problem is the one here.
          const guard = error.problems.filter((p) => p.message.startsWith("looks like"));
          assert.deepEqual(
            guard.map(({ line, column, field, message }) => ({ line, column, field, message })),
            [{ ...at, field, message: guard[0]?.message }],
            `${label}: ${error.message}`,
          );
          assert.ok(
            guard[0].message.startsWith(`looks like a${/^[aeiou]/.test(kind) ? "n" : ""} ${kind}`),
            `${label}: ${error.message}`,
          );
          assert.ok(!error.message.includes(value), `${label}: the value is not echoed`);
          return true;
        },
      );
    }
  }
});

test("a refused id or token is never quoted, whatever the reason", () => {
  for (
    const [value, problem] of [
      ["Customer Jane", checkToken("Customer Jane")],
      ["password=hunter2", checkToken("password=hunter2")],
      ["Jane Doe", checkPseudonymousId("Jane Doe")],
      ["usr_99812345", checkPseudonymousId("usr_99812345")],
      ["token_abcdef123", checkPseudonymousId("token_abcdef123")],
      ["conv_{hex:3}", checkPseudonymousId("conv_{hex:3}")],
    ]
  ) {
    assert.ok(problem !== undefined, value);
    assert.ok(!problem!.includes(value!), `${value}: ${problem}`);
  }
});
