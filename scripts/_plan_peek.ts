import { loadScriptFile } from "./src/script/load.ts";
import { planSession } from "./src/plan/session.ts";
const { script, file } = await loadScriptFile(Deno.args[0]);
const plan = planSession(script, { seed: 42, endMs: Date.parse("2026-11-25T12:00:00Z"), file });
console.log(JSON.stringify(plan.turns[0], null, 1).slice(0, 3000));
console.log(plan.sessionId, plan.userId, plan.turns.map((t) => [t.root.startMs, t.root.endMs]));
