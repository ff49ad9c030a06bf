import { test } from "node:test";
import assert from "node:assert/strict";
import { formatOf, shapeDiff } from "./shape_diff.ts";

const RECORDED = {
  data: [
    {
      id: "4bf92f3577b34da6a3ce929d0e0e4736",
      createdAt: "2025-03-04T10:15:05.902Z",
      userId: "user-7f3a",
      release: null,
      value: 1,
      metadata: { region: "eu" },
      input: { message: "hi" },
      subject: { kind: "trace", id: "t" },
    },
    {
      id: "00f067aa0ba902b7a3ce929d0e0e4736",
      createdAt: "2025-03-04T10:15:05.902Z",
      userId: null,
      release: "r42",
      value: "escalated",
      metadata: {},
      input: "text",
      subject: { kind: "observation", id: "o", traceId: "t" },
    },
  ],
  meta: { page: 1, limit: 50, totalItems: 2, totalPages: 1 },
};

test("shapeDiff() finds nothing in an answer shaped like the recording", () => {
  const answer = {
    data: [{
      id: "0af7651916cd43dd8448eb211c80319c",
      createdAt: "2026-12-07T23:50:42.000Z",
      userId: null,
      release: "r1",
      value: "resolved",
      metadata: { workflow: "refund", region: "us" },
      input: [1, 2],
      subject: { kind: "observation", id: "x", traceId: "y" },
    }],
    meta: { page: 2, limit: 10, totalItems: 0, totalPages: 0 },
  };
  assert.deepEqual(
    shapeDiff(answer, RECORDED, { maps: new Set(["metadata"]), free: new Set(["input"]) }),
    [],
  );
});

test("shapeDiff() reports every difference with its JSON path", () => {
  const answer = {
    data: [
      {
        id: "fake-trace",
        createdAt: "2026-12-07T23:50:42Z",
        userId: "u",
        release: null,
        value: true,
        metadata: { region: 3 },
        input: null,
        subject: { kind: "trace", id: "t", extra: 1 },
        bookmarked: false,
      },
      { id: "0af7651916cd43dd8448eb211c80319c", createdAt: null },
    ],
    meta: { limit: 10, cursor: "abc" },
  };
  assert.deepEqual(shapeDiff(answer, RECORDED, { maps: new Set(["metadata"]) }), [
    "$.data[0].bookmarked: not in the recording",
    '$.data[0].id: "fake-trace" is not a trace id (32 hex digits) like "4bf92f3577b34da6a3ce929d0e0e4736"',
    '$.data[0].createdAt: "2026-12-07T23:50:42Z" is not an ISO timestamp with milliseconds and Z like "2025-03-04T10:15:05.902Z"',
    "$.data[0].value: boolean where the recording has number or string",
    "$.data[0].metadata.region: number where the recording has string",
    "$.data[0].input: null where the recording has object or string",
    "$.data[0].subject.extra: not in the recording",
    "$.data[1].userId: missing",
    "$.data[1].release: missing",
    "$.data[1].value: missing",
    "$.data[1].metadata: missing",
    "$.data[1].input: missing",
    "$.data[1].subject: missing",
    "$.data[1].createdAt: null where the recording has string",
    "$.meta.page: missing",
    "$.meta.totalItems: missing",
    "$.meta.totalPages: missing",
    "$.meta.cursor: not in the recording",
  ]);
});

test("shapeDiff() lets documented optional keys be missing and documented nullable fields be null", () => {
  const recorded = { data: [{ id: "p", retentionDays: 30, metadata: { a: 1 } }] };
  const answer = { data: [{ id: "q", metadata: null }] };
  assert.deepEqual(shapeDiff(answer, recorded), [
    "$.data[0].retentionDays: missing",
    "$.data[0].metadata: null where the recording has object",
  ]);
  assert.deepEqual(
    shapeDiff(answer, recorded, {
      optional: new Set(["$.data[].retentionDays"]),
      nullable: new Set(["$.data[].metadata"]),
    }),
    [],
  );
});

test("formatOf() names the id and time formats Langfuse answers with", () => {
  assert.deepEqual(
    [
      "2025-03-04T10:15:05.902Z",
      "2025-03-04T10:15:05Z",
      "7d3c2a51-2f4e-4b9a-9a41-0c8e3f6d2b17",
      "cm7qz1x9p0001ad08f1k3n2vb",
      "a3ce929d0e0e4736",
      "0.00000015",
      "fake-project",
    ].map(formatOf),
    [
      "an ISO timestamp with milliseconds and Z",
      undefined,
      "a UUID v4",
      "a cuid",
      "a span id (16 hex digits)",
      "a decimal string",
      undefined,
    ],
  );
});
