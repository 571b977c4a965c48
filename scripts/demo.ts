// Prints the resource tree of a stack (default: dev) evaluated under Pulumi mocks: no cloud account needed.

import { evaluateProgram } from "../tests/harness/mockProgram";
import { runMain } from "./lib/cli";
import { renderPlan } from "./lib/planText";

const stack = process.argv[2] ?? "dev";

runMain(async () => {
  process.stdout.write(renderPlan(await evaluateProgram(stack), "key"));
  return 0;
});
