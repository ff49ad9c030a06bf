import process from "node:process";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { checkLoadArgs } from "./load.ts";

const MANIFEST = "deploy/k8s/load-job.yaml";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface Job {
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: {
      spec: {
        restartPolicy: string;
        containers: { image: string; command: string[]; args: string[]; env: EnvVar[] }[];
      };
    };
  };
}

function job(): Job {
  const docs = parseAllDocuments(readFileSync(MANIFEST, "utf8"));
  for (const doc of docs) assert.deepEqual(doc.errors, [], `${MANIFEST} parses`);
  const found = docs.map((doc) => doc.toJS() as Job).find((d) => d.kind === "Job");
  assert.ok(found, `${MANIFEST} holds a Job`);
  return found;
}

/** The argv the container's shell line runs for pod `index`, its `exec deno` printed instead. */
function argvFor(line: string, env: Record<string, string>, index: number): string[] {
  assert.match(line, /^exec deno /, "the shell hands the process over to deno (signals reach it)");
  const script = `deno() { for a in "$@"; do printf '%s\\n' "$a"; done; }\n${
    line.replace(/^exec /, "")
  }`;
  const out = execFileSync("sh", ["-c", script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env, JOB_COMPLETION_INDEX: String(index) },
    encoding: "utf8",
  });
  return out.trimEnd().split("\n");
}

describe("the Kubernetes Indexed Job in deploy/", () => {
  it("runs N pods in parallel, pod i as `load --shard i+1/N` with the same seed and window, and the CLI accepts each command line", async () => {
    const { spec } = job();
    assert.equal(spec.completionMode, "Indexed");
    const [container] = spec.template.spec.containers;
    const literal = Object.fromEntries(
      container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
    );
    const n = Number(literal.SHARDS);
    assert.equal(spec.completions, n, "completions is SHARDS");
    assert.equal(spec.parallelism, n, "parallelism is SHARDS");
    assert.equal(spec.template.spec.restartPolicy, "Never");
    assert.deepEqual(container.command, ["sh", "-c"]);

    const shards: string[] = [];
    for (let index = 0; index < n; index++) {
      const argv = argvFor(container.args[0], literal, index);
      const main = argv.indexOf("src/main.ts");
      assert.ok(main > 0, "runs src/main.ts");
      assert.equal(argv[0], "run");
      const [command, ...args] = argv.slice(main + 1);
      assert.equal(command, "load");
      const checked = await checkLoadArgs(args, Date.parse("2026-12-01T00:00:00Z"));
      shards.push(`${checked.scale.shard.index + 1}/${checked.scale.shard.count}`);
      assert.equal(checked.schedule.kind, "backfill");
      for (const script of checked.scripts) assert.ok(existsSync(script), `${script} exists`);
    }
    assert.deepEqual(shards, [...Array(n).keys()].map((i) => `${i + 1}/${n}`));
  });

  it("takes the target's keys from a Secret, never from a literal value", () => {
    const [container] = job().spec.template.spec.containers;
    for (const name of ["LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL"]) {
      const variable = container.env.find((e) => e.name === name);
      assert.ok(variable?.valueFrom?.secretKeyRef, `${name} comes from a secretKeyRef`);
      assert.equal(variable.value, undefined);
    }
    assert.ok(existsSync("deploy/Dockerfile"), "the image's Dockerfile is there");
    assert.match(readFileSync("deploy/Dockerfile", "utf8"), /^FROM denoland\/deno:/m);
  });
});
