/**
 * Plan evaluation against its floor: the program evaluated under Pulumi mocks for a stack vs a process that
 * only imports the four Pulumi SDKs. Each sample is a fresh Node process (a warm module cache would hide
 * the cost a `make demo` or mocha run pays); the two kinds alternate so machine noise hits both alike.
 *
 *   node --import tsx bench/plan.ts [--runs 7] [--stack prod]
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

const TARGET = 1.5;

function option(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  if (at === -1) return fallback;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value, e.g. ${name} ${fallback}`);
  return value;
}

function sample(mode: "imports" | "program", stack: string): number {
  const child = path.join(__dirname, "planChild.ts");
  const run = spawnSync(process.execPath, ["--import", "tsx", child, mode, stack], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${mode} run failed (exit ${run.status}): ${run.stderr.trim()}`);
  return Number(run.stdout.trim());
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function main(argv: readonly string[]): number {
  const runs = Number(option(argv, "--runs", "7"));
  const stack = option(argv, "--stack", "prod");
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${runs}`);
  console.log(
    `plan evaluation: stack=${stack} runs=${runs} (fresh process each, alternating) node=${process.version} ` +
      `cpus=${os.cpus().length}`,
  );
  sample("imports", stack); // fills the OS file cache so the first measured sample is not a cold-disk outlier
  const imports: number[] = [];
  const program: number[] = [];
  for (let i = 0; i < runs; i++) {
    imports.push(sample("imports", stack));
    program.push(sample("program", stack));
  }
  const ratio = median(program) / median(imports);
  const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(" ");
  console.log(`  import the 4 SDKs   median ${(median(imports) / 1000).toFixed(2)} s   [${fmt(imports)}]`);
  console.log(`  evaluate ${stack.padEnd(10)} median ${(median(program) / 1000).toFixed(2)} s   [${fmt(program)}]`);
  console.log(`RATIO plan_eval_vs_imports ${ratio.toFixed(2)}x (target <= ${TARGET}x) ${ratio <= TARGET ? "ok" : "MISSED"}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
