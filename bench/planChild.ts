// One measured process of bench/plan.ts: `imports` loads the four Pulumi SDKs the program uses and stops;
// `program <stack>` loads them the way the program does and evaluates it under mocks. Both print the
// milliseconds since the process started, so Node's and tsx's start-up are in both sides of the ratio.
import { performance } from "node:perf_hooks";

async function main(mode: string, stack: string): Promise<void> {
  if (mode === "imports") {
    await Promise.all([
      import("@pulumi/pulumi"),
      import("@pulumi/azure-native"),
      import("@pulumi/databricks"),
      import("@pulumi/random"),
    ]);
  } else if (mode === "program") {
    const { evaluateProgram } = await import("../tests/harness/mockProgram.js");
    const evaluation = await evaluateProgram(stack);
    process.stderr.write(`resources ${evaluation.registrations.length}\n`);
  } else {
    throw new Error(`mode must be "imports" or "program", got ${JSON.stringify(mode)}`);
  }
  process.stdout.write(`${performance.now().toFixed(1)}\n`);
}

main(process.argv[2] ?? "", process.argv[3] ?? "prod").catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
