import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture } from "../langfuse.ts";
import { withFakeLangfuse, withFakeLangfuseOnClock } from "../servers.ts";
import { T0 } from "../otlp.ts";

const CONFIGS = "/api/public/score-configs";
const review = (name: string) => langfuseFixture(`review/${name}`);
type Row = Record<string, unknown>;

test("a categorical config is answered 200 with every key in Langfuse's order", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const created = await callFake(
      fake,
      "POST",
      CONFIGS,
      await review("score_config_create_request.json"),
    );
    assert.equal(created.status, 200);
    const expected = await review("score_config_created.json") as Row;
    assert.deepEqual(Object.keys(created.body as Row), Object.keys(expected));
    assert.deepEqual((created.body as Row).categories, expected.categories);
    assert.equal((created.body as Row).isArchived, false);
  });
});

test("a boolean config gets True/False categories and a numeric one null categories", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const list = await review("score_configs_list.json") as { data: Row[] };
    const bool = await callFake(fake, "POST", CONFIGS, {
      name: "policy_compliant",
      dataType: "BOOLEAN",
    });
    assert.deepEqual(Object.keys(bool.body as Row), Object.keys(list.data[0]));
    assert.deepEqual((bool.body as Row).categories, list.data[0].categories);
    const numeric = await callFake(fake, "POST", CONFIGS, {
      name: "helpfulness",
      dataType: "NUMERIC",
      minValue: 1,
      maxValue: 5,
    });
    assert.deepEqual(Object.keys(numeric.body as Row), Object.keys(list.data[1]));
    assert.equal((numeric.body as Row).categories, null);
    const boolWithCategories = await callFake(fake, "POST", CONFIGS, {
      name: "b",
      dataType: "BOOLEAN",
      categories: [{ label: "yes", value: 1 }],
    });
    assert.equal(boolWithCategories.status, 400);
  });
});

test("posting a config name twice creates two configs: names are not unique", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const body = { name: "helpfulness", dataType: "NUMERIC" };
    const a = await callFake(fake, "POST", CONFIGS, body);
    const b = await callFake(fake, "POST", CONFIGS, body);
    assert.notEqual((a.body as Row).id, (b.body as Row).id);
    assert.equal(fake.scoreConfigs.length, 2);
  });
});

test("configs are validated as Langfuse does", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const slash = await callFake(fake, "POST", CONFIGS, {
      name: "resolution/quality",
      dataType: "NUMERIC",
    });
    assert.equal(slash.status, 400);
    assert.deepEqual(slash.body, await review("score_config_validation_error.json"));
    const cases: [Row, RegExp][] = [
      [{ name: "x".repeat(36), dataType: "NUMERIC" }, /Too big/],
      [
        { name: "n", dataType: "NUMERIC", minValue: 5, maxValue: 1 },
        /Maximum value must be greater than Minimum value/,
      ],
      [{ name: "c", dataType: "CATEGORICAL" }, /Category must be an array of objects/],
      [{
        name: "c",
        dataType: "CATEGORICAL",
        categories: [{ label: "a", value: 1 }, { label: "a", value: 2 }],
      }, /Duplicate category label: a/],
      [{
        name: "c",
        dataType: "CATEGORICAL",
        categories: [{ label: "a", value: 1 }, { label: "b", value: 1 }],
      }, /Duplicate category value: 1/],
      [{ name: "t", dataType: "TEXT", minValue: 1 }, /minValue/],
      [{ name: "d" }, /Invalid input/],
      [{ name: "d", dataType: "FLOAT" }, /Invalid input/],
    ];
    for (const [body, message] of cases) {
      const answer = await callFake(fake, "POST", CONFIGS, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      const issues = (answer.body as { error: Row[] }).error;
      assert.ok(
        issues.some((issue) => message.test(String(issue.message))),
        JSON.stringify(issues),
      );
    }
    assert.equal(fake.scoreConfigs.length, 0);
  });
});

test("the list is newest first, 50 a page by default, and refuses a limit over 100", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    for (const name of ["resolution", "helpfulness", "policy_compliant"]) {
      await callFake(fake, "POST", CONFIGS, { name, dataType: "BOOLEAN" });
      await clock.sleep(500);
    }
    const list = await callFake(fake, "GET", CONFIGS);
    const body = list.body as { data: Row[]; meta: Row };
    assert.deepEqual(body.data.map((c) => c.name), [
      "policy_compliant",
      "helpfulness",
      "resolution",
    ]);
    assert.deepEqual(body.meta, { page: 1, limit: 50, totalItems: 3, totalPages: 1 });
    const second = await callFake(fake, "GET", `${CONFIGS}?limit=2&page=2`);
    assert.deepEqual((second.body as { data: Row[] }).data.map((c) => c.name), ["resolution"]);
    assert.deepEqual((second.body as { meta: Row }).meta, {
      page: 2,
      limit: 2,
      totalItems: 3,
      totalPages: 2,
    });
    assert.equal((await callFake(fake, "GET", `${CONFIGS}?limit=101`)).status, 400);
    assert.equal((await callFake(fake, "GET", `${CONFIGS}?page=0`)).status, 400);
  });
});

test("a config is read, archived and patched by id, and a patch must leave it valid", async () => {
  await withFakeLangfuseOnClock(T0, {}, async (fake, clock) => {
    const created = await callFake(fake, "POST", CONFIGS, {
      name: "helpfulness",
      dataType: "NUMERIC",
      minValue: 1,
      maxValue: 5,
    });
    const id = (created.body as Row).id as string;
    assert.deepEqual((await callFake(fake, "GET", `${CONFIGS}/${id}`)).body, created.body);
    const missing = await callFake(fake, "GET", `${CONFIGS}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, await review("score_config_not_found.json"));
    assert.deepEqual(
      (await callFake(fake, "PATCH", `${CONFIGS}/nope`, { isArchived: true })).body,
      missing.body,
    );
    await clock.sleep(1000);
    const archived = await callFake(fake, "PATCH", `${CONFIGS}/${id}`, { isArchived: true });
    assert.equal(archived.status, 200);
    assert.equal((archived.body as Row).isArchived, true);
    assert.equal((archived.body as Row).updatedAt, new Date(T0 + 1000).toISOString());
    const invalid = await callFake(fake, "PATCH", `${CONFIGS}/${id}`, { maxValue: 0 });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body, await review("score_config_patch_invalid.json"));
    const empty = await callFake(fake, "PATCH", `${CONFIGS}/${id}`, {});
    assert.equal(empty.status, 400);
    assert.match(JSON.stringify(empty.body), /Request body cannot be empty/);
    assert.equal(fake.scoreConfigs[0].maxValue, 5);
  });
});

test("score config routes count against the public-api budget", async () => {
  const rateLimits = { "public-api": { points: 3, windowMs: 60_000 } };
  await withFakeLangfuse({ rateLimits }, async (fake) => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await callFake(fake, "GET", CONFIGS)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});
