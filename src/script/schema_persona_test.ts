import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScript } from "./read.ts";
import { scriptErrors } from "../../testing/scripts.ts";

function script(persona: string, content = "Hi {{persona.firstName}}", metadata = "{}"): string {
  return `name: demo
session: { id: conv_82d9535867844b4c8cdff }
user: { id: usr_pseudo_7f31c2 }
trace: { name: demo-turn, version: local, metadata: ${metadata} }
persona:
${persona}
turns:
  - kind: status
    input: Where is my order?
    output: "${content}"
    outcome: answered
    steps:
      - { type: generation, name: g, model: m }
`;
}

test("a persona section with names, picks and a metadata key from its values is accepted", () => {
  const parsed = parseScript(
    script(`  firstName: "{{faker.person.firstName}}"
  company: "{{faker.company.name}}"
  tenant_tier: "{{pick free|team|team}}"
  region: eu`),
    "x.yaml",
  );
  assert.deepEqual(Object.keys(parsed.persona ?? {}), [
    "firstName",
    "company",
    "tenant_tier",
    "region",
  ]);
});

test("content naming an undeclared persona value is refused at its field", () => {
  assert.deepEqual(scriptErrors(script(`  firstName: Ann`, "Hi {{persona.lastName}}")), [
    "x.yaml:10:17: turns[0].output uses {{persona.lastName}}, which is not declared in persona",
  ]);
});

test("a persona value may use no date, and a metadata key only its allowed values", () => {
  assert.deepEqual(
    scriptErrors(script(
      `  since: "{{date -3d}}"
  tenant_tier: "{{pick free|platinum}}"
  channel: "{{faker.company.name}}"
  environment: staging`,
      "Hi",
    )),
    [
      "x.yaml:6:10: persona.since cannot use a date: a persona value is drawn once per user, " +
      "not per session",
      "x.yaml:7:16: persona.tenant_tier is sent as trace metadata, so it must be one of free, " +
      "team, enterprise or a {{pick …}} of them",
      "x.yaml:8:12: persona.channel is sent as trace metadata, so it must be one of chat, email, " +
      "voice or a {{pick …}} of them",
      "x.yaml:9:16: persona.environment cannot be per user: environment describes the whole run",
    ],
  );
});

test("a persona value may use no var: it is drawn before any session", () => {
  assert.deepEqual(scriptErrors(script(`  firstName: "{{userId}}"`)), [
    "x.yaml:6:15: persona.firstName uses {{userId}}: a persona value is drawn once per user " +
    "and cannot use vars",
  ]);
});

test("a metadata key set both in persona and in trace.metadata is refused", () => {
  assert.deepEqual(scriptErrors(script(`  tenant_tier: team`, "Hi", "{ tenant_tier: free }")), [
    "x.yaml:6:16: persona.tenant_tier is trace metadata set by trace.metadata.tenant_tier too; " +
    "give it in one place",
  ]);
});
