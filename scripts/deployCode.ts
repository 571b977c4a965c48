/**
 * Code-only deploy: `pulumi up` limited to the stack's notebooks, package files and their folder, deletions
 * included (scripts/lib/codeTargets.ts says what is targeted and what is refused).
 *
 *   make deploy-code STACK=<stack> [YES=1] [ALLOW_SHARED=1]
 *   (npx tsx scripts/deployCode.ts <stack> [--allow-shared-stack] [pulumi up flags])
 *
 * Personal stacks only, outside CI: dev and prod change through CI, behind its reviews and the prod gate
 * (docs/ci.md); `--allow-shared-stack` is the explicit way around that, for an emergency.
 *
 * The URNs come from the program itself, evaluated under mocks with the stack's config exactly as the CLI
 * decrypts it (`pulumi config --json --show-secrets`: deploying needs the right to decrypt anyway; the values
 * stay in memory and are never printed), and from the stack's state (`pulumi stack export`). A shared personal
 * stack's StackReference is answered under the dev stack name the program will read: `personal.devStack`, else
 * `<organization>/<project>/dev` with the organization the backend files the stack under. A targeted
 * `pulumi preview --json` then checks no path changes before `pulumi up` runs. A Pulumi Cloud stack may be
 * given as <org>/<stack>.
 */

import { devStackReference } from "../config/naming";
import { environmentOfStack } from "../policy/vocabulary/stacks";
import { backendOfOrganization } from "../tests/harness/backends";
import { evaluateProgram, MOCK_DEV_OUTPUTS } from "../tests/harness/mockProgram";
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

/**
 * The stack's config as `pulumi config --json --show-secrets` prints it: project defaults, then the stack's
 * values, secrets decrypted (a nested `secure:` leaf marks its whole top-level key secret, so without
 * `--show-secrets` the CLI prints no value for the key at all).
 */
export function readConfigFromCli(pulumi: PulumiRunner, stack: string): ConfigOverrides {
  const listed = pulumiJson(pulumi, ["config", "--json", "--show-secrets", "--stack", stack]) as Record<
    string,
    CliConfigValue
  >;
  return Object.fromEntries(
    Object.entries(listed).map(([key, entry]) => [key, entry.objectValue ?? entry.value]),
  );
}

/** `<organization>/<project>/<stack>` as the backend files `stack`: its organization and project. */
export function qualifiedStack(
  pulumi: PulumiRunner,
  stack: string,
): { organization: string; project: string } {
  const shown = pulumi(["stack", "--show-name", "--fully-qualify-stack-names", "--stack", stack], {
    capture: true,
  });
  const [organization, project] = shown.stdout.trim().split("/");
  if (shown.status !== 0 || !organization || !project) {
    throw new Error(
      `\`pulumi stack --show-name --fully-qualify-stack-names --stack ${stack}\` failed (exit ${shown.status}): ` +
        (shown.stderr.trim() || shown.stdout.trim() || "no output"),
    );
  }
  return { organization, project };
}

/** A code-only deploy of dev or prod from outside CI, without `--allow-shared-stack`. */
export class SharedStackRefused extends Error {
  constructor(stack: string, environment: string | undefined) {
    super(
      `make deploy-code refuses ${stack} outside CI: it is a shared stack (${environment ?? "its environment is not set"}), ` +
        "whose code changes through CI, behind the pull request's review and, for prod, the prod gate (docs/ci.md).\n" +
        "Fix: merge the change to main and let CI deploy it; in an emergency, " +
        `make deploy-code STACK=${stack} ALLOW_SHARED=1 (--allow-shared-stack) says you mean it.`,
    );
    this.name = "SharedStackRefused";
  }
}

const PROJECT_KEY = (project: string, key: string) => `${project}:${key}`;

/**
 * The config the program is evaluated with: the stack's own, and on a shared personal stack `personal.devStack`
 * made explicit (the dev stack the program reads), so the mock outputs are keyed by exactly that name.
 */
export function planningConfig(
  overrides: ConfigOverrides,
  bareStack: string,
  qualified: { organization: string; project: string },
): { config: ConfigOverrides; devStack?: string } {
  const { project, organization } = qualified;
  if (stackEnvironment(overrides, bareStack, project) !== "personal") return { config: overrides };
  const personal = (overrides[PROJECT_KEY(project, "personal")] ?? {}) as Record<string, unknown>;
  if (personal.mode !== "shared") return { config: overrides };
  // As the program reads it: a bare name in the stack's own organization (config/naming.ts).
  const devStack = devStackReference(
    typeof personal.devStack === "string" ? personal.devStack : "dev",
    organization,
    project,
  );
  return {
    config: { ...overrides, [PROJECT_KEY(project, "personal")]: { ...personal, devStack } },
    devStack,
  };
}

/** The stack's environment as the program derives it: the `environment` key, else the stack's name. */
function stackEnvironment(
  overrides: ConfigOverrides,
  bareStack: string,
  project: string,
): string | undefined {
  const configured = overrides[PROJECT_KEY(project, "environment")];
  return typeof configured === "string" && configured !== "" ? configured : environmentOfStack(bareStack);
}

/** Running in a CI job: GitHub Actions and most CI systems set CI, Azure Pipelines sets TF_BUILD. */
function inCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI === "true" || (env.TF_BUILD ?? "").toLowerCase() === "true";
}

/** The stack's resources from `pulumi stack export` (secrets stay encrypted; only URNs and links are read). */
function readStateFromCli(pulumi: PulumiRunner, stack: string): StateResource[] {
  const exported = pulumiJson(pulumi, ["stack", "export", "--stack", stack]) as {
    deployment?: { resources?: StateResource[] };
  };
  return exported.deployment?.resources ?? [];
}

export interface DeployCodeOptions {
  readonly pulumi?: PulumiRunner;
  readonly log?: (line: string) => void;
  /** Deploy the code of dev or prod from outside CI (`--allow-shared-stack`). */
  readonly allowSharedStack?: boolean;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Plans, checks and runs the code-only deploy; returns the exit status of `pulumi up`. */
export async function deployCode(
  stack: string,
  extra: readonly string[],
  options: DeployCodeOptions = {},
): Promise<number> {
  const pulumi = options.pulumi ?? runPulumi;
  const log = options.log ?? console.log;
  // URNs carry the bare stack name, whatever organization the backend files it under.
  const bare = stack.split("/").at(-1) ?? stack;
  const overrides = readConfigFromCli(pulumi, stack);
  const qualified = qualifiedStack(pulumi, stack);
  const environment = stackEnvironment(overrides, bare, qualified.project);
  if (environment !== "personal" && !options.allowSharedStack && !inCi(options.env ?? process.env)) {
    throw new SharedStackRefused(stack, environment);
  }
  const { config, devStack } = planningConfig(overrides, bare, qualified);
  const { registrations } = await evaluateProgram(bare, {
    config,
    // The organization the backend gives the program, and its rules for the StackReference to dev.
    backend: backendOfOrganization(qualified.organization),
    ...(devStack ? { stackOutputs: { [devStack]: MOCK_DEV_OUTPUTS } } : {}),
  });
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

const ALLOW_SHARED = "--allow-shared-stack";

async function main(argv: readonly string[]): Promise<number> {
  const [stack, ...rest] = argv;
  if (!stack || stack.startsWith("-")) {
    console.error(
      "usage: make deploy-code STACK=<stack> [YES=1] [ALLOW_SHARED=1]   " +
        `(npx tsx scripts/deployCode.ts <stack> [${ALLOW_SHARED}] [--yes])`,
    );
    return 2;
  }
  const extra = rest.filter((a) => a !== ALLOW_SHARED);
  try {
    return await deployCode(stack, extra, { allowSharedStack: rest.includes(ALLOW_SHARED) });
  } catch (err) {
    if (err instanceof CodeDeployRefused || err instanceof SharedStackRefused) {
      console.error(err.message);
      return 3;
    }
    throw err;
  }
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
