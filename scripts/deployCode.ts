/**
 * Code-only deploy: `pulumi up` limited to the stack's notebooks, package files and their folder, deletions
 * included (scripts/lib/codeTargets.ts says what is targeted and what is refused).
 *
 *   make deploy-code STACK=<stack> [YES=1]      (npx tsx scripts/deployCode.ts <stack> [pulumi up flags])
 *
 * The URNs come from the program itself, evaluated under mocks with the stack's config as the CLI reads it
 * (`pulumi config --json`: a `secure:` value stays encrypted, its key is left to the program's defaults,
 * which no code resource's URN depends on), and from the stack's state (`pulumi stack export`). A targeted
 * `pulumi preview --json` then checks no path changes before `pulumi up` runs. A Pulumi Cloud stack may be
 * given as <org>/<stack>.
 */

import { evaluateProgram } from "../tests/harness/mockProgram";
import { runMain } from "./lib/cli";
import {
  CodeDeployRefused,
  codeDeployArgs,
  codeDeployPlan,
  type PreviewStep,
  refuseReplacedPaths,
  type StateResource,
} from "./lib/codeTargets";
import { type PulumiRunner, pulumiJson, runPulumi, shellLine } from "./lib/pulumiCli";
import type { ConfigOverrides } from "./lib/stackConfig";

interface CliConfigValue {
  readonly value?: string;
  readonly objectValue?: unknown;
  readonly secret: boolean;
}

export interface StackConfigFromCli {
  /** Every key as the program would read it; a secret key maps to `undefined` (removed from the file's). */
  readonly overrides: ConfigOverrides;
  readonly secretKeys: readonly string[];
}

/** The stack's config as `pulumi config --json` prints it: project defaults, then the stack's values. */
export function readConfigFromCli(pulumi: PulumiRunner, stack: string): StackConfigFromCli {
  const listed = pulumiJson(pulumi, ["config", "--json", "--stack", stack]) as Record<string, CliConfigValue>;
  const overrides: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, entry] of Object.entries(listed)) {
    if (entry.secret) {
      secretKeys.push(key);
      overrides[key] = undefined;
    } else {
      overrides[key] = entry.objectValue ?? entry.value;
    }
  }
  return { overrides, secretKeys: secretKeys.sort() };
}

/** The stack's resources from `pulumi stack export` (secrets stay encrypted; only URNs and links are read). */
export function readStateFromCli(pulumi: PulumiRunner, stack: string): StateResource[] {
  const exported = pulumiJson(pulumi, ["stack", "export", "--stack", stack]) as {
    deployment?: { resources?: StateResource[] };
  };
  return exported.deployment?.resources ?? [];
}

export interface DeployCodeOptions {
  readonly pulumi?: PulumiRunner;
  readonly log?: (line: string) => void;
}

/** Plans, checks and runs the code-only deploy; returns the exit status of `pulumi up`. */
export async function deployCode(
  stack: string,
  extra: readonly string[],
  options: DeployCodeOptions = {},
): Promise<number> {
  const pulumi = options.pulumi ?? runPulumi;
  const log = options.log ?? console.log;
  const config = readConfigFromCli(pulumi, stack);
  if (config.secretKeys.length > 0) {
    log(`secret config left to the program's defaults for planning: ${config.secretKeys.join(", ")}`);
  }
  // URNs carry the bare stack name, whatever organization the backend files it under.
  const bare = stack.split("/").at(-1) ?? stack;
  const { registrations } = await evaluateProgram(bare, { config: config.overrides });
  const plan = codeDeployPlan(stack, registrations, readStateFromCli(pulumi, stack));

  const targets = plan.targets.flatMap((t) => ["--target", t]);
  const previewArgs = ["preview", "--json", "--stack", stack, ...targets];
  const preview = pulumi(previewArgs, { capture: true });
  let digest: { steps?: PreviewStep[]; diagnostics?: { severity?: string; message?: string }[] } = {};
  try {
    digest = JSON.parse(preview.stdout);
  } catch {
    // Reported below with the exit status.
  }
  if (preview.status !== 0) {
    const errors = (digest.diagnostics ?? [])
      .filter((d) => d.severity === "error")
      .map((d) => d.message?.trim());
    throw new Error(
      `\`${shellLine(["preview", "--json", "--stack", stack, "--target", "..."])}\` failed (exit ${preview.status}): ` +
        (errors.join("\n") || preview.stderr.trim() || "no message"),
    );
  }
  refuseReplacedPaths(digest.steps ?? [], stack);

  log(
    `code-only deploy of ${stack}: ${plan.targets.length - plan.deletes.length} notebooks, files and folders kept ` +
      `in step, ${plan.deletes.length} removed${plan.deletes.length ? ` (${plan.deletes.map((u) => u.split("::").at(-1)).join(", ")})` : ""}; ` +
      "jobs and infrastructure untouched",
  );
  return pulumi(codeDeployArgs(stack, plan.targets, extra)).status;
}

async function main(argv: readonly string[]): Promise<number> {
  const [stack, ...extra] = argv;
  if (!stack || stack.startsWith("-")) {
    console.error(
      "usage: make deploy-code STACK=<stack> [YES=1]   (npx tsx scripts/deployCode.ts <stack> [--yes])",
    );
    return 2;
  }
  try {
    return await deployCode(stack, extra);
  } catch (err) {
    if (err instanceof CodeDeployRefused) {
      console.error(err.message);
      return 3;
    }
    throw err;
  }
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
