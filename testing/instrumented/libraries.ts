/**
 * Test support: the instrumented libraries the dialect tests drive, each with its npm package
 * (pinned in package.json's devDependencies) and its fixture's file name.
 */
import type { Driver } from "./capture.ts";
import { genAiConversation } from "./genai_openai.ts";
import { langfuseSdkConversation } from "./langfuse_sdk.ts";
import { openInferenceConversation } from "./openinference_openai.ts";
import { vercelAiConversation } from "./vercel_ai.ts";

/** One instrumented library. */
export interface InstrumentedLibrary {
  /** The fixture's name: `fixtures/dialects/{name}.otlp.json`. */
  name: string;
  /** The dialect its spans speak, as `--dialect` names it. */
  dialect: "vercel" | "openinference" | "genai" | "langfuse";
  /** The npm packages that make the spans. */
  packages: string[];
  drive: Driver;
}

/** Every library, in the order the README lists them. */
export const LIBRARIES: readonly InstrumentedLibrary[] = [
  {
    name: "vercel-ai",
    dialect: "vercel",
    packages: ["ai", "@ai-sdk/openai"],
    drive: vercelAiConversation,
  },
  {
    name: "openinference-openai",
    dialect: "openinference",
    packages: [
      "@arizeai/openinference-instrumentation-openai",
      "@arizeai/openinference-core",
      "openai",
    ],
    drive: openInferenceConversation,
  },
  {
    name: "opentelemetry-openai",
    dialect: "genai",
    packages: ["@opentelemetry/instrumentation-openai", "openai"],
    drive: genAiConversation,
  },
  {
    name: "langfuse-sdk",
    dialect: "langfuse",
    packages: ["@langfuse/tracing", "@langfuse/otel", "openai"],
    drive: langfuseSdkConversation,
  },
];
