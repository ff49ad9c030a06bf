import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseTemplate } from "../script/template.ts";
import { Scrubber } from "./scrub.ts";

/** Scrubs `texts` as one session (both passes) and returns the results and the scrubber. */
function scrub(texts: string[], ids: { value: string; template: string }[] = []) {
  const scrubber = new Scrubber(ids);
  for (const text of texts) scrubber.observe(text);
  return { out: texts.map((text) => scrubber.contentText(text)), scrubber };
}

const CASES: { kind: string; text: string; planted: string }[] = [
  { kind: "e-mail address", text: "write to anna.kowalski@example.org", planted: "anna.kowalski" },
  { kind: "phone number", text: "call me on +48 601 234 567 today", planted: "601 234 567" },
  { kind: "phone number", text: "my number is (415) 555-2671", planted: "555-2671" },
  { kind: "phone number", text: "tel 030 1234 5678", planted: "1234 5678" },
  { kind: "card number", text: "card 4111 1111 1111 1111 exp 12/29", planted: "4111 1111" },
  { kind: "IBAN", text: "IBAN DE89 3704 0044 0532 0130 00 please", planted: "3704 0044" },
  { kind: "IBAN", text: "to GB82WEST12345698765432", planted: "GB82WEST" },
  { kind: "account number", text: "account no. 87654321", planted: "87654321" },
  { kind: "account number", text: "number 123456789012", planted: "123456789012" },
  { kind: "order reference", text: "order #48213 is late", planted: "48213" },
  { kind: "order reference", text: "see ORD-77123 and INV_2026", planted: "77123" },
  { kind: "order reference", text: "tracking 1Z999AA10123456784", planted: "1Z999AA1" },
  { kind: "key or token", text: "key sk-lf-1234abcd5678efgh", planted: "1234abcd" },
  { kind: "key or token", text: "Authorization: Bearer abcdEFGH1234ijkl5678", planted: "abcdEFGH" },
  {
    kind: "key or token",
    text:
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    planted: "eyJhbGci",
  },
  { kind: "key or token", text: "password=hunter2hunter", planted: "hunter2" },
  { kind: "key or token", text: "sha 9f86d081884c7d659a2feaa0c55ad015", planted: "9f86d081" },
  { kind: "key or token", text: "id 550e8400-e29b-41d4-a716-446655440000", planted: "550e8400" },
  {
    kind: "URL with credentials or token",
    text: "db at https://admin:hunter2@internal.example.com/db",
    planted: "hunter2",
  },
  {
    kind: "URL with credentials or token",
    text: "open https://api.example.com/cb?token=Zx9fQ2mLp now",
    planted: "Zx9fQ2mLp",
  },
  { kind: "IP address", text: "from 203.0.113.42 yesterday", planted: "203.0.113.42" },
  { kind: "IP address", text: "v6 2001:db8:85a3::8a2e:370:7334", planted: "8a2e:370" },
  { kind: "person name", text: "Hello, my name is Bartholomew Quincey.", planted: "Quincey" },
  { kind: "person name", text: "Hi Gwendolyn, thanks for waiting", planted: "Gwendolyn" },
  { kind: "person name", text: "That is all.\nRegards,\nPhilippa", planted: "Philippa" },
  { kind: "person name", text: "I spoke to Sophie yesterday", planted: "Sophie" },
];

describe("the content scrubber", () => {
  for (const { kind, text, planted } of CASES) {
    it(`replaces a ${kind} in "${text.slice(0, 40)}" by a template and counts it`, () => {
      const { out: [result], scrubber } = scrub([text]);
      assert.ok(!result.includes(planted), result);
      assert.ok(result.includes("{{"), result);
      assert.ok(!("error" in parseTemplate(result)), result);
      assert.ok(
        scrubber.counts().some((count) => count.kind === kind && count.count >= 1),
        JSON.stringify(scrubber.counts()),
      );
    });
  }

  it("replaces a name it recognised in one place wherever else it occurs, as one var", () => {
    const { out, scrubber } = scrub([
      "Hi, my name is Bartholomew Quincey.",
      "Bartholomew again: any news?",
      "Customer Bartholomew Quincey, order late",
      "Quincey",
    ]);
    assert.deepEqual(out, [
      "Hi, my name is {{firstName}} {{lastName}}.",
      "{{firstName}} again: any news?",
      "Customer {{firstName}} {{lastName}}, order late",
      "{{lastName}}",
    ]);
    assert.deepEqual(scrubber.vars(), {
      firstName: "{{faker.person.firstName}}",
      lastName: "{{faker.person.lastName}}",
    });
    assert.equal(scrubber.plain("lookup failed for Bartholomew"), "lookup failed for [name]");
    assert.ok(scrubber.holdsPersonalData("Bartholomew"));
    // Only the whole word: a longer word that starts with it stays.
    assert.equal(scrubber.contentText("Bartholomews"), "Bartholomews");
  });

  it("replaces a labelled number it recognised wherever else it occurs bare", () => {
    const { out } = scrub(["account no. 87654321 is blocked", "re 87654321: unblocked"]);
    assert.deepEqual(out, ["account no. {{account}} is blocked", "re {{account}}: unblocked"]);
  });

  it("leaves dates, times, small numbers, model names and plain words alone", () => {
    const text = "Shipped 2026-12-03 at 10:00:00 (03.12.2026) via gpt-4o-2024-08-06, 3 parcels, " +
      "top_k 5, score 0.87, status in_transit. Will you check it, Team?";
    const { out: [result], scrubber } = scrub([text]);
    assert.equal(result, text);
    assert.deepEqual(scrubber.counts(), []);
  });

  it("gives a value that recurs in the session one var, so it stays one value across turns", () => {
    const { out, scrubber } = scrub([
      "I am anna@example.org",
      "Sent the label to anna@example.org.",
      "And bob@example.org once",
    ]);
    assert.equal(out[0], "I am {{email}}");
    assert.equal(out[1], "Sent the label to {{email}}.");
    assert.equal(out[2], "And {{faker.internet.email}} once");
    assert.deepEqual(scrubber.vars(), { email: "{{faker.internet.email}}" });
  });

  it("keeps a reference's label and its number of digits", () => {
    const { out: [result] } = scrub(["order #48213 and ORD-7712"]);
    assert.equal(result, "order #{{int 10000..99999}} and ORD-{{int 1000..9999}}");
  });

  it("replaces recorded ids by the templates given for them", () => {
    const { out: [result], scrubber } = scrub(["customer usr_real_7731 in sess-0042-abc"], [
      { value: "usr_real_7731", template: "{{userId}}" },
      { value: "sess-0042-abc", template: "{{sessionId}}" },
    ]);
    assert.equal(result, "customer {{userId}} in {{sessionId}}");
    assert.deepEqual(scrubber.counts(), [{ kind: "recorded id", count: 2 }]);
  });

  it("breaks up a literal {{ or }} so recorded text never becomes a template", () => {
    const { out: [result], scrubber } = scrub(["Hello {{name}}, see {{faker.internet.email}}"]);
    assert.equal(result, "Hello { {name} }, see { {faker.internet.email} }");
    assert.ok(!("error" in parseTemplate(result)));
    assert.equal(scrubber.braces(), 4);
  });

  it("writes placeholders, not templates, in text sent as written (status messages)", () => {
    const scrubber = new Scrubber([]);
    assert.equal(
      scrubber.plain("Timeout for anna@example.org from 203.0.113.42"),
      "Timeout for [e-mail] from [ip]",
    );
  });

  it("scrubs object keys and long integers inside JSON content", () => {
    const scrubber = new Scrubber([]);
    const result = scrubber.content({ "anna@example.org": { phone: 48601234567, count: 3 } });
    assert.deepEqual(result, {
      "[e-mail]": { phone: "{{int 10000000000..99999999999}}", count: 3 },
    });
  });

  it("replaces every digit group of a reference like INV-2026-87104, separators kept", () => {
    const { out: [result] } = scrub(["invoice INV-2026-87104 is open"]);
    assert.equal(result, "invoice INV-{{int 1000..9999}}-{{int 10000..99999}} is open");
  });

  it("keeps a value in braces from joining the template's braces", () => {
    const { out: [result] } = scrub(["contact {anna@example.org}"]);
    assert.equal(result, "contact { {{faker.internet.email}} }");
    assert.ok(!("error" in parseTemplate(result)), result);
  });

  it("keeps two keys that scrub alike as two keys", () => {
    const result = new Scrubber([]).content({ "a@example.org": 1, "b@example.org": 2 });
    assert.deepEqual(result, { "[e-mail]": 1, "[e-mail] 2": 2 });
  });
});
