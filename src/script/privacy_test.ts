import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPseudonymousId, checkToken, parseIdFormat } from "./privacy.ts";
import { parseScript } from "./load.ts";

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
