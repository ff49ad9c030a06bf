/**
 * Langfuse's public REST API as this tool uses it: a client for reading back, scoring and
 * deleting, the response types it reads, and its one error type. The fake server for tests is
 * `src/testing/fake_langfuse/server.ts`, imported by tests only.
 */
export * from "./api_error.ts";
export * from "./api_types.ts";
export * from "./api_review_types.ts";
export * from "./client.ts";
