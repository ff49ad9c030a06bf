/** The one place that knows which runtime runs us, for the hints that name a command. */

/**
 * How a user runs the package task `name` under the runtime running now, for hints printed to
 * them: `deno task replay` under Deno, `bun run replay` under Bun (deno.json's tasks and
 * package.json's scripts carry the same names).
 */
export function taskCommand(name: string): string {
  return "Deno" in globalThis ? `deno task ${name}` : `bun run ${name}`;
}
