// Writes a stack's offline plan JSON (the program under mocks, as in plans/) to a path of the caller's
// choosing, so the demo report counts the resources the program registers now, not the committed plan.
//   npx tsx tools/demo_report/plan.ts dev demo-out/plan-dev.json
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildPlan } from "../../scripts/lib/planFiles";

async function main(stack: string | undefined, out: string | undefined): Promise<void> {
  if (!stack || !out) throw new Error("usage: plan.ts <stack> <out.json>, e.g. plan.ts dev demo-out/plan-dev.json");
  const plan = await buildPlan(stack);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, plan.json);
  console.log(`wrote ${out}`);
}

main(process.argv[2], process.argv[3]).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
