/**
 * The fake Langfuse's review routes (prompts, score configs, annotation queues, comments,
 * projects, reviewers' scores) and its errors held to the answers recorded in
 * fixtures/langfuse/review/ (see ./contract.ts). Each test lists every difference at once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callFake, langfuseFixture, replayWithScores } from "../langfuse.ts";
import { basicAuth } from "../otlp.ts";
import { withFakeLangfuse } from "../servers.ts";
import { Contract, type Recording } from "./contract.ts";
import { type FakeLangfuse, HOBBY_LIMITS } from "./server.ts";

type Row = Record<string, unknown>;

const PROMPTS = "/api/public/v2/prompts";
const CONFIGS = "/api/public/score-configs";
const QUEUES = "/api/public/annotation-queues";
const COMMENTS = "/api/public/comments";
const SCORES = "/api/public/scores";
/** A member of the fake's organisation; `STRANGER` is none. */
const MEMBER = "cm6v8n2ta0000ab12c3d4e5f6";
const STRANGER = "cm6v8n2ta0000ab12c3d4e5f7";

/** `review/<fixture>`, answered with `status`. */
const review = (fixture: string, status: number): Recording => ({
  fixture: `review/${fixture}`,
  status,
});

/** A request body recorded in review/. */
const request = async (name: string) => await langfuseFixture(`review/${name}`) as Row;

/** The three score configs of score_configs_list.json; answers their ids, newest first. */
async function scoreConfigs(contract: Contract, fake: FakeLangfuse): Promise<string[]> {
  const resolution = await contract.call({
    ...review("score_config_created.json", 200),
    method: "POST",
    path: CONFIGS,
    body: await request("score_config_create_request.json"),
  });
  const helpfulness = await callFake(fake, "POST", CONFIGS, {
    name: "helpfulness",
    dataType: "NUMERIC",
    minValue: 1,
    maxValue: 5,
    description: "1 = no help, 5 = solved without follow-up",
  });
  const compliant = await callFake(fake, "POST", CONFIGS, {
    name: "policy_compliant",
    dataType: "BOOLEAN",
  });
  return [compliant.body as Row, helpfulness.body as Row, resolution].map((c) => c.id as string);
}

test("the fake's prompt routes answer like Langfuse: created, read, listed and refused", async () => {
  await withFakeLangfuse({}, async (fake) => {
    const contract = new Contract(fake);
    const chat = await request("prompt_chat_create_request.json");
    const text = await request("prompt_text_create_request.json");
    await callFake(fake, "POST", PROMPTS, chat);
    const post = (recording: Recording, body: unknown) =>
      contract.call({ ...recording, method: "POST", path: PROMPTS, body });
    const get = (recording: Recording, path: string) =>
      contract.call({ ...recording, method: "GET", path });
    await post(review("prompt_chat_created.json", 201), chat);
    await post(review("prompt_text_created.json", 201), text);
    await get(review("prompt_text_get.json", 200), `${PROMPTS}/order-status%2Fsummary`);
    const agent = `${PROMPTS}/order-status%2Fagent`;
    await get(review("prompt_chat_get_version.json", 200), `${agent}?version=1`);
    await get(review("prompts_list.json", 200), PROMPTS);
    await get(review("prompt_not_found.json", 404), `${agent}?label=staging`);
    await get(review("prompt_version_not_found.json", 404), `${agent}?version=7`);
    await get(review("prompt_version_and_label.json", 400), `${agent}?version=1&label=production`);
    await post(review("prompt_type_conflict.json", 400), {
      name: "order-status/agent",
      type: "text",
      prompt: "Hello",
    });
    await post(review("prompt_validation_error.json", 400), { ...text, labels: ["Production"] });
    assert.deepEqual(contract.differences, []);
  });
});

test("the fake's score-config routes and reviewers' scores answer like Langfuse", async () => {
  await withFakeLangfuse({ mode: "v4" }, async (fake) => {
    const contract = new Contract(fake);
    const [, helpfulness, resolution] = await scoreConfigs(contract, fake);
    const config = `${CONFIGS}/${helpfulness}`;
    await contract.call({
      ...review("score_configs_list.json", 200),
      method: "GET",
      path: CONFIGS,
    });
    await contract.call({
      ...review("score_config_patch_invalid.json", 400),
      method: "PATCH",
      path: config,
      body: { maxValue: 0 },
    });
    await contract.call({
      ...review("score_config_archived.json", 200),
      method: "PATCH",
      path: config,
      body: { isArchived: true },
    });
    await contract.call({
      ...review("score_config_archived.json", 200),
      method: "GET",
      path: config,
    });
    await contract.call({
      ...review("score_config_not_found.json", 404),
      method: "GET",
      path: `${CONFIGS}/nope`,
    });
    await contract.call({
      ...review("score_config_validation_error.json", 400),
      method: "POST",
      path: CONFIGS,
      body: { ...await request("score_config_create_request.json"), name: "resolution/quality" },
    });
    const { manifest } = await replayWithScores(fake, 21, ["conversations/order-status.yaml"]);
    const traceId = manifest.sessions[0].traces[0].traceId;
    const annotation = await request("score_annotation_create_request.json");
    await contract.call({
      fixture: "score_created.json",
      status: 200,
      method: "POST",
      path: SCORES,
      body: { ...annotation, traceId, configId: resolution },
    });
    const { configId: _, ...unconfigured } = annotation;
    await contract.call({
      ...review("score_annotation_missing_config.json", 400),
      method: "POST",
      path: SCORES,
      body: { ...unconfigured, traceId },
    });
    const queueId = annotation.queueId as string;
    fake.annotate({
      queueId,
      objectType: "TRACE",
      objectId: traceId,
      reviewer: MEMBER,
      configId: resolution,
      name: "resolution",
      value: "resolved",
      comment: "Asked for the order number first",
    });
    await contract.call({
      ...review("scores_v3_annotation.json", 200),
      method: "GET",
      path: `/api/public/v3/scores?queueId=${queueId}&source=ANNOTATION` +
        "&fields=core,details,subject,annotation",
    });
    assert.deepEqual(contract.differences, []);
  });
});

test("the fake's annotation-queue routes answer like Langfuse: queues, items and assignments", async () => {
  await withFakeLangfuse({ members: [MEMBER] }, async (fake) => {
    const contract = new Contract(fake);
    const scoreConfigIds = await scoreConfigs(contract, fake);
    const body = { ...await request("annotation_queue_create_request.json"), scoreConfigIds };
    const post = (recording: Recording, path: string, body: unknown) =>
      contract.call({ ...recording, method: "POST", path, body });
    const get = (recording: Recording, path: string) =>
      contract.call({ ...recording, method: "GET", path });
    const queue = await post(review("annotation_queue_created.json", 200), QUEUES, body);
    const at = `${QUEUES}/${queue.id}`;
    await get(review("annotation_queue_created.json", 200), at);
    await get(review("annotation_queues_list.json", 200), QUEUES);
    await get(
      review("annotation_queue_not_found.json", 404),
      `${QUEUES}/cm7r0b4xq0007ad08k2m5p9zt`,
    );
    await post(review("annotation_queue_duplicate_name.json", 400), QUEUES, body);
    await post(review("annotation_queue_unknown_score_config.json", 400), QUEUES, {
      ...body,
      name: "other",
      scoreConfigIds: ["9e2b6f1a-4c7d-4b3e-8a5f-1d0c2e7b9a64"],
    });
    await post(review("annotation_queue_validation_error.json", 400), QUEUES, {
      name: "other",
      scoreConfigIds: [],
      isActive: true,
    });
    await contract.call({ ...review("method_not_allowed.json", 405), method: "DELETE", path: at });
    const items = `${at}/items`;
    const item = await post(
      review("annotation_queue_item_created.json", 200),
      items,
      await request("annotation_queue_item_create_request.json"),
    );
    await callFake(fake, "POST", items, {
      objectId: "sess-order-status-01",
      objectType: "SESSION",
    });
    await get(review("annotation_queue_item_created.json", 200), `${items}/${item.id}`);
    await get(review("annotation_queue_items_list.json", 200), items);
    await contract.call({
      ...review("annotation_queue_item_completed.json", 200),
      method: "PATCH",
      path: `${items}/${item.id}`,
      body: { status: "COMPLETED" },
    });
    await contract.call({
      ...review("annotation_queue_item_deleted.json", 200),
      method: "DELETE",
      path: `${items}/${item.id}`,
    });
    await get(review("annotation_queue_item_not_found.json", 404), `${items}/${item.id}`);
    const assignments = `${at}/assignments`;
    await post(review("annotation_queue_assignment_created.json", 200), assignments, {
      userId: MEMBER,
    });
    await contract.call({
      ...review("annotation_queue_assignment_deleted.json", 200),
      method: "DELETE",
      path: assignments,
      body: { userId: MEMBER },
    });
    await post(review("annotation_queue_assignment_user_not_found.json", 404), assignments, {
      userId: STRANGER,
    });
    assert.deepEqual(contract.differences, []);
  });
  await withFakeLangfuse({ plan: "cloud:hobby" }, async (fake) => {
    const contract = new Contract(fake);
    const scoreConfigIds = await scoreConfigs(contract, fake);
    await callFake(fake, "POST", QUEUES, { name: "a", scoreConfigIds });
    await contract.call({
      ...review("annotation_queue_hobby_cap.json", 405),
      method: "POST",
      path: QUEUES,
      body: { name: "b", scoreConfigIds },
    });
    assert.deepEqual(contract.differences, []);
  });
});

test("the fake's comment routes answer like Langfuse after a replay", async () => {
  await withFakeLangfuse({ members: [MEMBER] }, async (fake) => {
    const { manifest } = await replayWithScores(fake, 21, ["conversations/order-status.yaml"]);
    const contract = new Contract(fake);
    const traceId = manifest.sessions[0].traces[0].traceId;
    const comment = { ...await request("comment_create_request.json"), objectId: traceId };
    const post = (recording: Recording, body: unknown) =>
      contract.call({ ...recording, method: "POST", path: COMMENTS, body });
    const get = (recording: Recording, path: string) =>
      contract.call({ ...recording, method: "GET", path });
    const created = await post(review("comment_created.json", 200), comment);
    await callFake(fake, "POST", COMMENTS, {
      ...comment,
      content: "Marked resolved.",
      authorUserId: MEMBER,
    });
    await get(review("comment_get.json", 200), `${COMMENTS}/${created.id}`);
    await get(
      review("comments_list.json", 200),
      `${COMMENTS}?objectType=TRACE&objectId=${traceId}`,
    );
    await get(review("comment_not_found.json", 404), `${COMMENTS}/${crypto.randomUUID()}`);
    await post(review("comment_object_not_found.json", 404), {
      ...comment,
      objectId: "4bf92f3577b34da6a3ce929d0e0e4736",
    });
    await post(review("comment_author_not_member.json", 400), {
      ...comment,
      authorUserId: STRANGER,
    });
    await post(review("comment_validation_error.json", 400), {
      ...comment,
      content: "   ",
      objectType: "trace",
    });
    assert.deepEqual(contract.differences, []);
  });
});

test("the fake names its project, refuses a wrong key and rate-limits like Langfuse", async () => {
  await withFakeLangfuse({ rateLimits: HOBBY_LIMITS }, async (fake) => {
    const contract = new Contract(fake);
    const projects = await callFake(fake, "GET", "/api/public/projects");
    await contract.check(projects, { fixture: "projects.json", status: 200 });
    await contract.check(projects, review("projects.json", 200));
    const wrongKey = await fetch(`${fake.url}${CONFIGS}`, {
      headers: { authorization: basicAuth(fake.keys.publicKey, "sk-lf-wrong") },
    });
    await contract.check(
      { status: wrongKey.status, body: await wrongKey.json() },
      review("unauthorized.json", 401),
    );
    let answer = await callFake(fake, "GET", CONFIGS);
    for (let calls = 1; calls < 40 && answer.status !== 429; calls++) {
      answer = await callFake(fake, "GET", CONFIGS);
    }
    await contract.check(answer, review("rate_limited.json", 429));
    assert.deepEqual(contract.differences, []);
  });
});
