// Prints the resource tree of a stack (default: dev) evaluated under Pulumi mocks: no cloud account needed.
import { evaluateProgram } from "./lib/mockProgram";
import { renderPlan } from "./lib/planText";

const stack = process.argv[2] ?? "dev";

evaluateProgram(stack).then(
  (evaluation) => process.stdout.write(renderPlan(evaluation, "key")),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
