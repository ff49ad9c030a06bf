/** Command-line values shared by the commands: seeds, enumerations, script lists, targets. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { productionReasons, resolveTarget, type Target, TARGET_KINDS } from "../export/target.ts";
import { ScriptError } from "../script/errors.ts";
import { type LoadedScript, loadScriptFile } from "../script/load.ts";
import { joinDashValues } from "./args.ts";
import { CliError, EXIT } from "./exit_codes.ts";
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
  if (value === undefined || (allowed as readonly string[]).includes(value)) {
    return value as T | undefined;
  }
  throw new CliError(`${flag} must be one of ${allowed.join(", ")}, not "${value}"`, EXIT.usage);
}

/** A seed flag's value. */
export function parseSeed(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 4294967295) {
    throw new CliError(
      `--seed must be a whole number from 0 to 4294967295, not "${text}"`,
      EXIT.usage,
    );
  }
  return Number(text);
}

/** Loads every script, or throws one error listing every problem in all of them. */
export async function loadAll(files: string[]): Promise<LoadedScript[]> {
  const loaded = await Promise.allSettled(files.map(loadScriptFile));
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
    (result as PromiseFulfilledResult<Awaited<ReturnType<typeof loadScriptFile>>>).value
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

/**
 * Parses a command's arguments; an unknown or malformed flag is a usage error. Values may start
 * with a dash and a digit in the space form (`--at -3d`), see args.ts.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  command: string,
) {
  const joined = joinDashValues(args, options, command);
  let parsed;
  try {
    parsed = parseArgs({
      args: joined,
      allowPositionals: true,
      options,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}. See ${command} --help.`, EXIT.usage);
  }
  // parseArgs keeps the last of a repeated value: `--plant a --plant b` would drop `a` unsaid.
  const given = new Map<string, number>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const option = options[token.name];
    if (option?.type !== "string" || option.multiple) continue;
    given.set(token.name, (given.get(token.name) ?? 0) + 1);
    if (given.get(token.name) === 2) {
      throw new CliError(
        `--${token.name} is given more than once; give it once. See ${command} --help.`,
        EXIT.usage,
      );
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The flags of every command that sends spans somewhere. */
export const TARGET_OPTIONS = {
  target: { type: "string" },
  protocol: { type: "string" },
  gzip: { type: "boolean" },
  out: { type: "string" },
  "allow-production": { type: "boolean" },
} as const;

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
  scripts: LoadedScript[],
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
