/**
 * Offline plans: the program under mocks for each stack, written to plans/<stack>.txt and .json.
 *
 *   npm run plan -- dev prod         write the files (default: the committed stacks, dev and prod)
 *   npm run plan -- --check dev      exit 1 when the committed files differ from the program
 *
 * No cloud account and no Pulumi CLI: config comes from Pulumi.yaml and Pulumi.<stack>.yaml.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runMain } from "./lib/cli";
import {
  buildPlan,
  COMMITTED_STACKS,
  PLANS_DIR,
  planPaths,
  regenerateCommand,
  stalePlanFiles,
} from "./lib/planFiles";
import { PROJECT_ROOT } from "./lib/stackConfig";

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes("--check");
  const named = argv.filter((a) => a !== "--check");
  const stacks = named.length > 0 ? named : [...COMMITTED_STACKS];
  let status = 0;
  for (const stack of stacks) {
    const plan = await buildPlan(stack);
    if (check) {
      const stale = stalePlanFiles(stack, plan);
      if (stale.length > 0) {
        console.error(
          `${stale.join(", ")} out of date: run ${regenerateCommand(stack)} and commit the result`,
        );
        status = 1;
      }
      continue;
    }
    const files = planPaths(stack);
    mkdirSync(PLANS_DIR, { recursive: true });
    writeFileSync(files.text, plan.text);
    writeFileSync(files.json, plan.json);
    console.log(`wrote ${[files.text, files.json].map((f) => path.relative(PROJECT_ROOT, f)).join(" and ")}`);
  }
  return status;
}

runMain(() => main(process.argv.slice(2)));
