import process from "node:process";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { captureIo } from "../../testing/io.ts";
import { loadSpecOf } from "./load.ts";

const MANIFEST = "deploy/k8s/load-job.yaml";
const DOCKERFILE = "deploy/Dockerfile";
const README = "deploy/README.md";

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
    backoffLimit?: number;
    backoffLimitPerIndex?: number;
    activeDeadlineSeconds?: number;
    podFailurePolicy?: {
      rules: { action: string; onPodConditions?: { type: string }[] }[];
    };
    template: {
      spec: {
        restartPolicy: string;
        securityContext?: {
          runAsNonRoot?: boolean;
          runAsUser?: number;
          runAsGroup?: number;
          fsGroup?: number;
        };
        containers: {
          image: string;
          command: string[];
          args: string[];
          env: EnvVar[];
          volumeMounts: { name: string; mountPath: string }[];
        }[];
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
      // As the pod's `load` reads it, up to the last check before sending (to an OTLP endpoint
      // here: the Langfuse target would first ask Langfuse which project the keys belong to).
      const pod = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }, {
        now: () => Date.parse("2026-12-01T00:00:00Z"),
        cores: () => Number(literal.WORKERS ?? 1),
      });
      const built = await loadSpecOf(args, pod.io);
      assert.ok(built, "not --help");
      const { spec } = built;
      shards.push(`${spec.scale.shard.index + 1}/${spec.scale.shard.count}`);
      assert.equal(spec.schedule.kind, "backfill");
      for (const script of spec.files) assert.ok(existsSync(script), `${script} exists`);
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

/** The user and group the image runs as: its last USER line, which must be numeric. */
function imageUser(): { uid: number; gid: number } {
  const users = [...readFileSync(DOCKERFILE, "utf8").matchAll(/^USER\s+(\S+)\s*$/gm)];
  const last = users.at(-1)?.[1] ?? "root";
  const numeric = /^(\d+):(\d+)$/.exec(last);
  assert.ok(
    numeric,
    `${DOCKERFILE}: USER ${last} is a numeric uid:gid (runAsNonRoot checks numbers)`,
  );
  return { uid: Number(numeric[1]), gid: Number(numeric[2]) };
}

/** The README's shell block that starts the Job and waits for it. */
function waitBlock(): string {
  // Blocks in a list are indented; the shell does not mind.
  const blocks = [...readFileSync(README, "utf8").matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1]);
  const block = blocks.find((text) => /kubectl apply .*deploy\/k8s\/load-job\.yaml/.test(text));
  assert.ok(block, `${README} has a block that applies the Job`);
  return block;
}

/**
 * Runs `block` with a stand-in `kubectl` whose Job reports `states` one `get` after another (the
 * last one stays), and a `sleep` that returns at once. A `kubectl wait` for a condition the Job
 * never reaches blocks, as the real one does until its timeout. Answers the exit status, or
 * "hung" when the block did not end within 8 s.
 */
function runWaitBlock(block: string, states: string[]): number | "hung" {
  const dir = mkdtempSync(join(tmpdir(), "kubectl-"));
  const conditions: Record<string, string> = {
    Running: "",
    Complete: "SuccessCriteriaMet Complete",
    Failed: "FailureTarget Failed",
  };
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  writeFileSync(join(dir, "states"), states.map((s) => conditions[s]).join("\n") + "\n");
  script(
    "kubectl",
    `final=${JSON.stringify(states.at(-1)!.toLowerCase())}
case "$1" in
  get)
    line=$(head -n 1 "${dir}/states")
    [ "$(wc -l < "${dir}/states")" -gt 1 ] && tail -n +2 "${dir}/states" > "${dir}/rest" &&
      mv "${dir}/rest" "${dir}/states"
    case "$*" in *jsonpath*) printf '%s' "$line" ;; *) echo "job $line" ;; esac ;;
  wait)
    case "$*" in *"--for=condition=$final"*) exit 0 ;; *) exec /bin/sleep 12 ;; esac ;;
  *) exit 0 ;;
esac`,
  );
  script("sleep", "exit 0");
  try {
    execFileSync("sh", ["-c", block], {
      env: { PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}` },
      encoding: "utf8",
      timeout: 8_000,
      stdio: "pipe",
    });
    return 0;
  } catch (error) {
    const { status, signal } = error as { status: number | null; signal: string | null };
    return signal !== null ? "hung" : status ?? 1;
  }
}

describe("the Job's pods, deadline and the README's wait", () => {
  it("run as the image's non-root user, and fsGroup gives its group the /out volume", () => {
    const { uid, gid } = imageUser();
    assert.notEqual(uid, 0, "the image does not run as root");
    const { spec } = job().spec.template;
    assert.deepEqual(
      spec.securityContext && {
        runAsNonRoot: spec.securityContext.runAsNonRoot,
        runAsUser: spec.securityContext.runAsUser,
        runAsGroup: spec.securityContext.runAsGroup,
        fsGroup: spec.securityContext.fsGroup,
      },
      { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid },
    );
    assert.ok(spec.containers[0].volumeMounts.some((m) => m.mountPath === "/out"));
  });

  it("ends on its own: a deadline, and a failed shard neither retried nor stopping the others", () => {
    const { spec } = job();
    const deadline = spec.activeDeadlineSeconds;
    assert.ok(
      deadline !== undefined && Number.isInteger(deadline) && deadline > 0 && deadline <= 86_400,
      `activeDeadlineSeconds is set, at most a day (${deadline})`,
    );
    assert.equal(spec.backoffLimitPerIndex, 0, "a failed shard is not retried");
    assert.equal(spec.backoffLimit, undefined, "one failed shard does not end the others");
    assert.ok(
      spec.podFailurePolicy?.rules.some((rule) =>
        rule.action === "Ignore" &&
        rule.onPodConditions?.some((condition) => condition.type === "DisruptionTarget")
      ),
      "a pod the cluster evicted runs again",
    );
  });

  it("the README's wait ends when the Job fails, with a failing status, and when it completes", () => {
    const block = waitBlock();
    assert.equal(runWaitBlock(block, ["Running", "Running", "Complete"]), 0, "complete: ends, 0");
    const failed = runWaitBlock(block, ["Running", "Failed"]);
    assert.notEqual(failed, "hung", "failed: the wait ends instead of waiting out its timeout");
    assert.notEqual(failed, 0, "failed: a failing status, so a script stops there");
  });
});
