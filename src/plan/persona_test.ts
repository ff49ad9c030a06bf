import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "../script/read.ts";
import { drawPersona } from "./persona.ts";
import { planSession } from "./session.ts";

const END = Date.parse("2026-11-25T12:00:00.000Z");

function script(name: string, persona: string) {
  return parseScript(
    `name: ${name}
session: { id: "conv_{hex:21}" }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local, metadata: { region: eu } }
persona:
${persona}
turns:
  - kind: status
    input: Where is my order?
    output: "Hi {{persona.firstName}} from {{persona.company}}."
    outcome: answered
    steps:
      - { type: tool, name: lookup, output: { customer: "{{persona.firstName}}" } }
`,
    `${name}.yaml`,
  );
}

const SHOP = script(
  "shop",
  `  firstName: "{{faker.person.firstName}}"
  company: "{{faker.company.name}}"
  tenant_tier: "{{pick free|team|enterprise}}"`,
);

test("a user's persona is the same in every session, whatever the seed or time", () => {
  const plans = [1, 2, 3].map((seed) =>
    planSession(SHOP, { seed, endMs: END + seed * 86_400_000, file: "shop.yaml" })
  );
  const answers = new Set(plans.map((plan) => plan.turns[0].root.output));
  assert.equal(answers.size, 1, [...answers].join(" / "));
  assert.match(String(plans[0].turns[0].root.output), /^Hi \S+ from .+\.$/);
  const tool = plans[0].turns[0].root.children[0];
  assert.deepEqual(tool.output, { customer: drawPersona(SHOP, "usr_pseudo_7f31c2").firstName });
  assert.ok(["free", "team", "enterprise"].includes(plans[0].metadata.tenant_tier));
  assert.deepEqual(new Set(plans.map((plan) => plan.metadata.tenant_tier)).size, 1);
  assert.equal(plans[0].metadata.region, "eu", "the script's own metadata stays");
});

test("other users get other personas; two scripts with one template agree on a user's value", () => {
  const users = Array.from({ length: 50 }, (_, i) => `usr_pseudo_${(0xa00000 + i).toString(16)}`);
  const names = new Set(users.map((user) => drawPersona(SHOP, user).firstName));
  assert.ok(names.size > 30, `${names.size} first names for 50 users`);
  const tiers = new Set(users.map((user) => drawPersona(SHOP, user).tenant_tier));
  assert.equal(tiers.size, 3);
  const other = script("other", `  firstName: "{{faker.person.firstName}}"\n  company: Initech`);
  for (const user of users) {
    assert.equal(drawPersona(other, user).firstName, drawPersona(SHOP, user).firstName);
  }
});
