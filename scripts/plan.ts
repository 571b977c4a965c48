// Writes plans/<stack>.txt: every resource of the stack under Pulumi mocks with all its inputs, in a stable
// order, so a config or code change shows up as a reviewable diff.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { evaluateProgram } from "./lib/mockProgram";
import { renderPlan } from "./lib/planText";
import { PROJECT_ROOT } from "./lib/stackConfig";

const stack = process.argv[2];
if (!stack) {
  process.stderr.write("usage: npm run plan -- <stack>\n");
  process.exit(2);
}

evaluateProgram(stack).then(
  (evaluation) => {
    const dir = path.join(PROJECT_ROOT, "plans");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${stack}.txt`);
    writeFileSync(file, renderPlan(evaluation, "full"));
    process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, file)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
