import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture } from "../langfuse.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../servers.ts";
import { HOBBY_LIMITS } from "./server.ts";
import { T0 } from "../otlp.ts";

const PROMPTS = "/api/public/v2/prompts";
const review = (name: string) => langfuseFixture(`review/${name}`);
type Row = Record<string, unknown>;

test("a new prompt is version 1, answered 201 with its labels plus latest, like prompt_text_created.json", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const created = await callFake(
      fake,
      "POST",
      PROMPTS,
      await review("prompt_text_create_request.json"),
    );
    assert.equal(created.status, 201);
    const expected = await review("prompt_text_created.json") as Row;
    const body = created.body as Row;
    assert.deepEqual(Object.keys(body), Object.keys(expected));
    assert.equal(body.version, 1);
    assert.deepEqual(body.labels, ["production", "latest"]);
    assert.equal(body.isActive, null);
    assert.equal(body.type, "text");
    assert.deepEqual(body.config, {});
    assert.equal(body.createdBy, "API");
  });
});

test("a second version is numbered by the server and takes production and latest off the first", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    const request = await review("prompt_chat_create_request.json") as Row;
    const first = { ...request, prompt: [{ role: "system", content: "v1" }] };
    assert.equal((await callFake(fake, "POST", PROMPTS, first)).status, 201);
    await clock.sleep(1000);
    const second = await callFake(fake, "POST", PROMPTS, request);
    assert.equal(second.status, 201);
    const expected = await review("prompt_chat_created.json") as Row;
    // Chat entries differ in shape (message or placeholder): compared whole below.
    const body = second.body as Row;
    assert.equal(body.version, 2);
    // "type": "chatmessage" is dropped, as Langfuse's schema strips unknown keys.
    assert.deepEqual(body.prompt, expected.prompt);
    const old = await callFake(
      fake,
      "GET",
      `${PROMPTS}/${encodeURIComponent("order-status/agent")}?version=1`,
    );
    assert.equal(old.status, 200);
    assert.deepEqual((old.body as Row).labels, []);
    assert.equal((old.body as Row).isActive, false);
    assert.equal((old.body as Row).updatedAt, new Date(T0 + 1000).toISOString());
    assert.deepEqual(fake.prompts.map((p) => [p.version, p.labels]), [
      [1, []],
      [2, ["production", "latest"]],
    ]);
  });
});

test("a GET without version or label serves production, and its 404s name what was asked", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const name = "order-status/agent";
    const path = `${PROMPTS}/${encodeURIComponent(name)}`;
    await callFake(fake, "POST", PROMPTS, { name, type: "chat", prompt: [] });
    const unlabelled = await callFake(fake, "GET", path);
    assert.equal(unlabelled.status, 404);
    assert.deepEqual(unlabelled.body, {
      message: "Prompt not found: 'order-status/agent' with label 'production'",
      error: "LangfuseNotFoundError",
    });
    assert.equal((await callFake(fake, "GET", `${path}?label=latest`)).status, 200);
    const staging = await callFake(fake, "GET", `${path}?label=staging`);
    assert.deepEqual(staging.body, await review("prompt_not_found.json"));
    const seven = await callFake(fake, "GET", `${path}?version=7`);
    assert.deepEqual(seven.body, await review("prompt_version_not_found.json"));
    const both = await callFake(fake, "GET", `${path}?version=1&label=production`);
    assert.equal(both.status, 400);
    assert.deepEqual(both.body, await review("prompt_version_and_label.json"));
    await callFake(fake, "POST", PROMPTS, {
      name,
      type: "chat",
      prompt: [],
      labels: ["production"],
    });
    const served = await callFake(fake, "GET", path);
    assert.equal((served.body as Row).version, 2);
    assert.equal((served.body as Row).isActive, true);
    assert.equal((served.body as Row).resolutionGraph, null);
  });
});

test("a folder name is found only when the client URL-encodes it", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, { name: "a/b", prompt: "x", labels: ["production"] });
    assert.equal((await callFake(fake, "GET", `${PROMPTS}/a%2Fb`)).status, 200);
    assert.equal((await callFake(fake, "GET", `${PROMPTS}/a/b`)).status, 404);
  });
});

test("the type of a name is fixed by its earlier versions", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, { name: "p", type: "chat", prompt: [] });
    const text = await callFake(fake, "POST", PROMPTS, { name: "p", type: "text", prompt: "x" });
    assert.equal(text.status, 400);
    assert.deepEqual(text.body, await review("prompt_type_conflict.json"));
    assert.equal(fake.prompts.length, 1);
  });
});

test("labels, names and chat messages are validated as Langfuse does", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const upper = await callFake(fake, "POST", PROMPTS, {
      name: "order-status/summary",
      prompt: "x",
      labels: ["Production"],
    });
    assert.equal(upper.status, 400);
    assert.deepEqual(upper.body, await review("prompt_validation_error.json"));
    for (const name of ["", "/lead", "trail/", "a//b", "a|b", "new", "<b>x</b>"]) {
      const bad = await callFake(fake, "POST", PROMPTS, { name, prompt: "x" });
      assert.equal(bad.status, 400, name);
      const issues = (bad.body as { error: Row[] }).error;
      assert.ok(issues.some((issue) => String(issue.path) === "name"), name);
    }
    const long = await callFake(fake, "POST", PROMPTS, {
      name: "p",
      prompt: "x",
      labels: ["a".repeat(37)],
    });
    assert.equal(long.status, 400);
    const clash = await callFake(fake, "POST", PROMPTS, {
      name: "p",
      type: "chat",
      prompt: [{ role: "user", content: "{{history}}" }, { type: "placeholder", name: "history" }],
    });
    assert.equal(clash.status, 400);
    assert.match(
      (clash.body as Row).message as string,
      /variables and placeholders must be unique.*history/,
    );
    const noRole = await callFake(fake, "POST", PROMPTS, {
      name: "p",
      type: "chat",
      prompt: [{ content: "x" }],
    });
    assert.equal(noRole.status, 400);
    const nullConfig = await callFake(fake, "POST", PROMPTS, {
      name: "p",
      prompt: "x",
      config: null,
    });
    assert.equal(nullConfig.status, 400);
    assert.equal(fake.prompts.length, 0);
  });
});

test("tags given replace every version's tags, and tags left out are inherited", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, { name: "p", prompt: "1", tags: ["a"] });
    const inherited = await callFake(fake, "POST", PROMPTS, { name: "p", prompt: "2" });
    assert.deepEqual((inherited.body as Row).tags, ["a"]);
    await callFake(fake, "POST", PROMPTS, { name: "p", prompt: "3", tags: ["b"] });
    assert.deepEqual(fake.prompts.map((p) => p.tags), [["b"], ["b"], ["b"]]);
  });
});

test("the list has one entry per name, sorted, with distinct sorted versions and labels, limit 10", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, {
      name: "order-status/summary",
      prompt: "x",
      labels: ["production"],
    });
    await callFake(fake, "POST", PROMPTS, { name: "order-status/agent", type: "chat", prompt: [] });
    await callFake(fake, "POST", PROMPTS, {
      name: "order-status/agent",
      type: "chat",
      prompt: [],
      labels: ["production"],
      config: { model: "m" },
    });
    const list = await callFake(fake, "GET", PROMPTS);
    assert.equal(list.status, 200);
    const body = list.body as { data: Row[]; meta: Row; pagination: Row };
    assert.deepEqual(body.data.map((p) => [p.name, p.versions, p.labels]), [
      ["order-status/agent", [1, 2], ["latest", "production"]],
      ["order-status/summary", [1], ["latest", "production"]],
    ]);
    assert.deepEqual(body.data[0].lastConfig, { model: "m" });
    assert.deepEqual(body.meta, { page: 1, limit: 10, totalPages: 1, totalItems: 2 });
    assert.deepEqual(body.pagination, body.meta);
    const page = await callFake(fake, "GET", `${PROMPTS}?limit=1&page=2`);
    assert.deepEqual((page.body as { data: Row[] }).data.map((p) => p.name), [
      "order-status/summary",
    ]);
    assert.equal((await callFake(fake, "GET", `${PROMPTS}?limit=101`)).status, 400);
  });
});

test("adding labels to a version moves them off the others and refuses latest", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, { name: "p", prompt: "1", labels: ["staging"] });
    await callFake(fake, "POST", PROMPTS, { name: "p", prompt: "2" });
    const moved = await callFake(fake, "PATCH", `${PROMPTS}/p/versions/2`, {
      newLabels: ["staging"],
    });
    assert.equal(moved.status, 200);
    assert.deepEqual(fake.prompts.map((p) => p.labels), [[], ["latest", "staging"]]);
    const latest = await callFake(fake, "PATCH", `${PROMPTS}/p/versions/1`, {
      newLabels: ["latest"],
    });
    assert.equal(latest.status, 400);
  });
});

test("prompt routes are never rate limited, and a wrong key gets Langfuse's UnauthorizedError", async () => {
  await withFakeLangfuse({ rateLimits: HOBBY_LIMITS }, async (fake) => {
    for (let i = 0; i < HOBBY_LIMITS["public-api"].points + 2; i++) {
      assert.equal((await callFake(fake, "GET", `${PROMPTS}/p`)).status, 404);
    }
    const res = await fetch(`${fake.url}${PROMPTS}/p`, {
      headers: { authorization: "Basic eDp5" },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), {
      message: "Invalid credentials. Confirm that you've configured the correct host.",
      error: "UnauthorizedError",
    });
  });
});

test("the list filters by label, tag and version before grouping", async () => {
  await withFakeLangfuse({}, async (fake) => {
    await callFake(fake, "POST", PROMPTS, {
      name: "a",
      prompt: "1",
      labels: ["production"],
      tags: ["t"],
    });
    await callFake(fake, "POST", PROMPTS, { name: "a", prompt: "2" });
    await callFake(fake, "POST", PROMPTS, { name: "b", prompt: "1" });
    const names = async (query: string) =>
      ((await callFake(fake, "GET", `${PROMPTS}?${query}`)).body as { data: Row[] }).data
        .map((p) => [p.name, p.versions]);
    assert.deepEqual(await names("label=production"), [["a", [1]]]);
    assert.deepEqual(await names("tag=t"), [["a", [1, 2]]]);
    assert.deepEqual(await names("version=1"), [["a", [1]], ["b", [1]]]);
    assert.deepEqual(await names("name=b"), [["b", [1]]]);
  });
});
