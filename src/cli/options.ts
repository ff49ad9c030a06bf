/** Command-line values shared by the commands: seeds, enumerations, script lists, targets. */
import { productionReasons, resolveTarget, type Target, TARGET_KINDS } from "../export/target.ts";
import { ScriptError } from "../script/errors.ts";
import { readScriptFile, type ScriptFile } from "../script/read.ts";
import { choiceFlag, orList, seedFlag, switchFlag, textFlag } from "./flags.ts";
import { CliError, EXIT } from "../run/exit_codes.ts";
import { langfuseProjectName, type ProjectCheckOptions } from "../run/production.ts";
import type { RunLangfuse } from "../run/langfuse_access.ts";

/** The OTLP/HTTP encodings. */
export const PROTOCOLS = ["http/protobuf", "http/json"] as const;

/** `value` if it is one of `allowed`, else a usage error naming the flag. */
export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  return choiceFlag("", allowed, "").read(value, flag);
}

/** A seed flag's value (see {@link seedFlag}). */
export function parseSeed(text: string): number {
  return seedFlag("", { default: 0 }).read(text, "--seed");
}

/** Reads every script, or throws one error listing every problem in all of them. */
export async function readScripts(files: string[]): Promise<ScriptFile[]> {
  const loaded = await Promise.allSettled(files.map(readScriptFile));
  const problems = loaded.flatMap((result) =>
    result.status === "rejected" ? [result.reason as Error] : []
  );
  if (problems.length > 0) {
    const script = problems.find((error) => error instanceof ScriptError);
    if (!script) throw problems[0];
    throw new CliError(
      problems.map((error) => error.message).join("\n") + "\nNothing was sent.",
      EXIT.invalidScript,
    );
  }
  return loaded.map((result) =>
    (result as PromiseFulfilledResult<Awaited<ReturnType<typeof readScriptFile>>>).value
  );
}

/**
 * Refuses to touch production unless `--allow-production` was given; `action` says what would
 * have been done, default "send synthetic data to".
 */
export function guardProduction(
  reasons: string[],
  allowed: boolean | undefined,
  action = "send synthetic data to",
): void {
  if (reasons.length === 0 || allowed) return;
  throw new CliError(
    `Refusing to ${action} production: ${reasons.join("; ")}. ` +
      "Pass --allow-production if that is really what you want.",
    EXIT.usage,
  );
}

/** `--allow-production`, for the commands that send. */
export const ALLOW_PRODUCTION_FLAG = switchFlag(
  "send even though the host, LANGFUSE_TRACING_ENVIRONMENT, a script or the name of the keys' " +
    "Langfuse project (asked of Langfuse) says production: prod, prd, production or live as a " +
    "word part, in any case (refused otherwise, with exit 2 and what matched)",
);

/** The flags of every command that sends spans somewhere. */
export const TARGET_FLAGS = {
  target: choiceFlag(
    "KIND",
    TARGET_KINDS,
    `where to send: ${orList(TARGET_KINDS)} (default: the first that applies: langfuse when ` +
      "its keys are set, otlp when an OTLP endpoint is set, else preview)",
  ),
  protocol: choiceFlag(
    "P",
    PROTOCOLS,
    "http/protobuf (default) or http/json (also OTEL_EXPORTER_OTLP_PROTOCOL; not for the file " +
      "target)",
  ),
  gzip: switchFlag(
    "gzip request bodies (also OTEL_EXPORTER_OTLP_COMPRESSION=gzip; not for the file target)",
  ),
  out: textFlag(
    "FILE",
    "file target only: where to write OTLP/JSON lines (default out/spans.otlp.jsonl)",
  ),
  "allow-production": ALLOW_PRODUCTION_FLAG,
};

/**
 * {@link TARGET_FLAGS} for `load`, whose --target help names only the targets it sends to: it
 * still reads `preview`, so that the run can refuse it saying why.
 */
export const LOAD_TARGET_FLAGS = {
  ...TARGET_FLAGS,
  target: choiceFlag(
    "KIND",
    TARGET_KINDS,
    `where to send: ${orList(TARGET_KINDS.filter((kind) => kind !== "preview"))} (default: ` +
      "langfuse when its keys are set, otlp when an OTLP endpoint is set; load has no preview)",
  ),
};

/** `--html FILE`. */
export const HTML_FLAG = textFlag(
  "FILE",
  "write a self-contained HTML report with charts (opens offline)",
);

/** The target help every sending command shows: which target applies when --target is absent. */
export const TARGET_HELP = `Target (without --target, the first that applies):
  langfuse   when LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL (or LANGFUSE_HOST) are set
  otlp       when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
  preview    otherwise: a local receiver shows what Langfuse will make of the traces`;

/**
 * The target the flags and environment choose; production is refused unless allowed. For the
 * Langfuse target whose names say nothing, this then asks Langfuse which project the keys
 * belong to (see {@link langfuseProjectName} for how a failure exits), before anything is sent,
 * with the run's one client (`options.langfuse`).
 */
export async function targetFromFlags(
  values: {
    target?: string;
    protocol?: string;
    gzip?: boolean;
    out?: string;
    "allow-production"?: boolean;
  },
  env: Record<string, string | undefined>,
  scripts: ScriptFile[],
  options: ProjectCheckOptions & { langfuse: RunLangfuse },
): Promise<Target> {
  const target = resolveTarget({
    target: oneOf(values.target, TARGET_KINDS, "--target"),
    protocol: oneOf(values.protocol, PROTOCOLS, "--protocol"),
    gzip: values.gzip,
    out: values.out,
  }, env);
  checkTargetFlags(values, target);
  if (values["allow-production"]) return target;
  const environments = scripts.map(({ script }) => script.trace.metadata.environment);
  // What the names already say is refused without contacting the host.
  guardProduction(productionReasons(target, env, environments), false);
  if (target.langfuseApi) {
    const project = await langfuseProjectName(options.langfuse.client, options);
    guardProduction(productionReasons(target, env, environments, project), false);
  }
  return target;
}

/** Refuses target flags that the chosen target would ignore. */
function checkTargetFlags(
  values: { protocol?: string; gzip?: boolean; out?: string },
  target: Target,
) {
  if (values.out !== undefined && target.kind !== "file") {
    throw new CliError(
      `--out applies to the file target, not to ${target.kind}; add --target file to write spans to a file`,
      EXIT.usage,
    );
  }
  if (target.kind === "file") {
    for (const flag of ["protocol", "gzip"] as const) {
      if (values[flag] !== undefined) {
        throw new CliError(
          `--${flag} does not apply to the file target, which always writes OTLP/JSON lines uncompressed`,
          EXIT.usage,
        );
      }
    }
  }
}
