/**
 * Personal stacks in one command each; both are safe to run again.
 *
 *   make stack-new NAME=ada [FULL=1] [DEV_STACK=<org>/h3-ml/dev]
 *       npx tsx scripts/stack.ts new ada [--full] [--dev-stack <org>/h3-ml/dev]
 *       writes Pulumi.dev-ada.yaml (shared mode unless --full), then `pulumi stack init dev-ada`
 *   make stack-rm NAME=ada [YES=1]
 *       npx tsx scripts/stack.ts rm ada [--yes]: `pulumi destroy`, then `pulumi stack rm`
 *
 * Writing the config file needs no CLI; the stack commands do, and without one the script says what is missing.
 * With the CLI, `stack-new` checks the backend first and writes nothing when it refuses:
 * - the personal stack is created in the organization of the dev stack it reads (`DEV_STACK=<org>/h3-ml/dev`;
 *   without it, dev and the personal stack share the organization the stack is created in);
 * - on a self-managed backend, prod's state must not be in the same backend as dev's (every developer reads
 *   dev's state), and PULUMI_SECRETS_PROVIDER (e.g. azurekeyvault://<vault>.vault.azure.net/keys/<key>, the
 *   stack's secrets provider) must not be the one dev's or prod's stack file records;
 * - it says whether this login can read dev's outputs, and what to ask for when it cannot.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { devStackReference } from "../config/naming";
import { runMain } from "./lib/cli";
import {
  type BackendKind,
  backendKind,
  checkDevStack,
  checkSecretsProvider,
  checkStateSeparation,
  DEFAULT_DEV_STACK,
  normalizePerson,
  PERSONAL_KEY,
  type PersonalMode,
  type PersonalStackOptions,
  personalStackInitName,
  personalStackName,
  renderPersonalStackFile,
  SELF_MANAGED_ORGANIZATION,
  validatePersonalStack,
} from "./lib/personalStack";
import { INSTALL_HINT, type PulumiRunner, pulumiJson, runPulumi, shellLine } from "./lib/pulumiCli";
import { loadStackConfig, PROJECT_ROOT } from "./lib/stackConfig";

export interface StackCommandOptions {
  readonly root?: string;
  readonly pulumi?: PulumiRunner;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

const MISSING_CLI = `Pulumi CLI not found. ${INSTALL_HINT}`;

/** The stack names the backend lists for this project; undefined when there is no CLI. */
function listStacks(pulumi: PulumiRunner): string[] | undefined {
  if (!pulumi(["version"], { capture: true }).found) return undefined;
  const listed = pulumiJson(pulumi, ["stack", "ls", "--json"]) as { name: string }[];
  // Pulumi Cloud lists stacks outside the default organization as <org>/<stack>.
  return listed.map((s) => s.name.split("/").at(-1) ?? s.name);
}

/** The backend the CLI is logged in to (`pulumi whoami --json`), and its kind. */
function loggedInBackend(pulumi: PulumiRunner): { url: string; kind: BackendKind } {
  const url = String((pulumiJson(pulumi, ["whoami", "--json"]) as { url?: unknown }).url ?? "");
  return { url, kind: backendKind(url) };
}

/** The `secretsprovider` each shared stack's file records (written by `pulumi stack init --secrets-provider`). */
function sharedSecretsProviders(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const stack of ["dev", "prod"]) {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const provider = existsSync(file) ? parse(readFileSync(file, "utf8"))?.secretsprovider : undefined;
    if (typeof provider === "string" && provider !== "") found[stack] = provider;
  }
  return found;
}

/** `nameSeed` as Pulumi.dev.yaml sets it: the team's word in globally unique names. */
function teamSeed(root: string, project: string): string | undefined {
  const file = path.join(root, "Pulumi.dev.yaml");
  const seed = existsSync(file)
    ? parse(readFileSync(file, "utf8"))?.config?.[`${project}:nameSeed`]
    : undefined;
  return typeof seed === "string" ? seed : undefined;
}

function personalBlock(file: string, project: string): { mode?: unknown; devStack?: unknown } {
  const config = (parse(readFileSync(file, "utf8"))?.config ?? {}) as Record<string, unknown>;
  return (config[`${project}:${PERSONAL_KEY}`] ?? {}) as { mode?: unknown; devStack?: unknown };
}

/** The mode a personal stack file declares; the program refuses a file without one, and so does this script. */
function modeOfFile(file: string, project: string, stack: string): PersonalMode {
  const mode = personalBlock(file, project).mode;
  if (mode === "shared" || mode === "full") return mode;
  throw new Error(
    `${path.basename(file)} sets no ${PERSONAL_KEY}.mode (shared or full), got ${JSON.stringify(mode)}; nothing was ` +
      `changed. Fix: pulumi config set --path ${PERSONAL_KEY}.mode shared --stack ${stack}, or ` +
      `pulumi config set --path ${PERSONAL_KEY}.mode full --stack ${stack} if it is a full copy`,
  );
}

function devStackOf(file: string, project: string): string {
  const devStack = personalBlock(file, project).devStack;
  return typeof devStack === "string" ? devStack : DEFAULT_DEV_STACK;
}

/** Creates `dev-<name>`, or says what is already there; returns the process exit code. */
export function stackNew(
  person: string,
  stackOptions: PersonalStackOptions = {},
  options: StackCommandOptions = {},
): number {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  const pulumi = options.pulumi ?? runPulumi;
  const env = options.env ?? process.env;
  const name = normalizePerson(person);
  const stack = personalStackName(person);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const fileName = path.basename(file);
  const project = loadStackConfig(stack, {}, root).project;

  const fileExisted = existsSync(file);
  const mode = fileExisted ? modeOfFile(file, project, stack) : (stackOptions.mode ?? "shared");
  if (fileExisted) {
    const asked = stackOptions.mode ?? mode;
    if (asked !== mode) {
      throw new Error(
        `${fileName} already exists in ${mode} mode; you asked for ${asked}. Nothing was changed. Fix: ` +
          `make stack-rm NAME=${name}, then make stack-new NAME=${name}${asked === "full" ? " FULL=1" : ""}`,
      );
    }
    const kept = devStackOf(file, project);
    if (stackOptions.devStack !== undefined && stackOptions.devStack !== kept) {
      throw new Error(
        `${fileName} already reads the dev stack ${kept}; you asked for ${stackOptions.devStack}. Nothing was ` +
          `changed. Fix: pulumi config set --path ${PERSONAL_KEY}.devStack ${stackOptions.devStack} --stack ${stack}`,
      );
    }
  }
  const devStack =
    mode !== "shared"
      ? undefined
      : fileExisted
        ? devStackOf(file, project)
        : (stackOptions.devStack ?? DEFAULT_DEV_STACK);

  // What the backend must look like, checked before anything is written.
  const stacks = listStacks(pulumi);
  const secretsProvider = env.PULUMI_SECRETS_PROVIDER;
  let initName: string | undefined;
  let devRead: string | undefined;
  if (stacks !== undefined) {
    const backend = loggedInBackend(pulumi);
    // The name the CLI reads dev by: fully qualified where the organization is known (every stack's, on a
    // self-managed backend); on Pulumi Cloud a bare name resolves in the organization the stack is created in.
    devRead =
      devStack === undefined || backend.kind === "pulumi-cloud"
        ? devStack
        : devStackReference(devStack, SELF_MANAGED_ORGANIZATION, project);
    checkStateSeparation(backend.kind, backend.url, stacks);
    checkSecretsProvider(secretsProvider, sharedSecretsProviders(root));
    initName = personalStackInitName(person, devStack, backend.kind, project);
  }

  if (fileExisted) {
    log(`${fileName} exists (${mode} mode): kept as it is`);
  } else {
    // A full copy names its resources with the team's seed, as dev's stack file sets it.
    const seed = mode === "full" ? teamSeed(root, project) : undefined;
    const options = seed === undefined ? stackOptions : { ...stackOptions, nameSeed: seed };
    const config = validatePersonalStack(person, options, root);
    writeFileSync(file, renderPersonalStackFile(person, project, options));
    const what =
      mode === "shared"
        ? `shared mode: its own schemas, hub, notebooks and paused jobs inside the workspace of ${devStack}`
        : "full mode: a whole copy of the platform, schedules paused, nothing protected";
    log(`wrote ${fileName} (environment ${config.environment}, ${what})`);
  }
  if (stacks === undefined || initName === undefined) {
    log(
      `${MISSING_CLI}\nThe config file is ready; the stack is not created. Then: make stack-new NAME=${name}`,
    );
    return 1;
  }
  const next = `Next: pulumi up --stack ${stack}`;
  if (stacks.includes(stack)) {
    if (!fileExisted) {
      rmSync(file);
      throw new Error(
        `stack ${stack} already exists in the backend, but ${fileName} did not exist here; removed the file ` +
          `just written. If the stack is yours (made on another machine), copy its ${fileName} here and run ` +
          "this again; otherwise pick another name (a stack belongs to one person).",
      );
    }
    log(`stack ${stack} exists: nothing to do. ${devAccess(pulumi, devRead)}${next}`);
    return 0;
  }
  const init = [
    "stack",
    "init",
    initName,
    ...(secretsProvider ? ["--secrets-provider", secretsProvider] : []),
  ];
  const result = pulumi(init);
  if (result.status !== 0) {
    if (!fileExisted) rmSync(file);
    throw new Error(
      `\`${shellLine(init)}\` failed (exit ${result.status})` +
        (fileExisted ? `; ${fileName} is kept.` : `; removed ${fileName}.`) +
        " Check `pulumi whoami` (logged in to the team's backend?) and run this again.",
    );
  }
  log(`created stack ${initName}. ${devAccess(pulumi, devRead)}${next}`);
  return 0;
}

/**
 * Whether this login can read the outputs of the dev stack a shared stack reads (it does at every preview), and
 * if not, what to ask for: read access to dev's state (its container on a self-managed backend; the stack on
 * Pulumi Cloud). Decrypt rights on dev's secrets are not needed: the engine leaves out secret outputs it cannot
 * decrypt (pkg/resource/deploy/builtins.go, `readStackReference`).
 */
function devAccess(pulumi: PulumiRunner, devStack: string | undefined): string {
  if (devStack === undefined) return "";
  const read = pulumi(["stack", "output", "--json", "--stack", devStack], { capture: true });
  if (read.status === 0) return `Reads the outputs of ${devStack}. `;
  const why = read.stderr.trim().split("\n")[0] || `exit ${read.status}`;
  return (
    `Cannot read the outputs of ${devStack} yet (${why}): dev must be deployed, and your login needs read ` +
    "access to dev's state: Storage Blob Data Reader on its state container on a self-managed backend, read " +
    "on the dev stack (a team) on Pulumi Cloud (docs/personal-stacks.md). "
  );
}

/** Destroys and removes `dev-<name>`; `yes` skips Pulumi's confirmation prompts. */
export function stackRm(person: string, yes: boolean, options: StackCommandOptions = {}): number {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  const pulumi = options.pulumi ?? runPulumi;
  const stack = personalStackName(person);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const confirm = yes ? ["--yes"] : [];
  const steps = [
    ["destroy", "--stack", stack, ...confirm],
    ["stack", "rm", stack, ...confirm],
  ];
  const stacks = listStacks(pulumi);
  if (stacks === undefined) {
    log(`${MISSING_CLI}\nNothing was destroyed. Then: ${steps.map(shellLine).join(" && ")}`);
    return 1;
  }
  if (!stacks.includes(stack)) {
    const removed = existsSync(file);
    if (removed) rmSync(file);
    log(
      `stack ${stack} does not exist in the backend (\`pulumi whoami\` shows which one): nothing to destroy` +
        (removed ? `; removed ${path.basename(file)}` : ""),
    );
    return 0;
  }
  for (const args of steps) {
    const result = pulumi(args);
    if (result.status !== 0) {
      log(`\`${shellLine(args)}\` failed (exit ${result.status}); stack ${stack} is left as it is.`);
      return result.status;
    }
  }
  // `pulumi stack rm` deletes the config file itself; this covers a file written without a stack.
  if (existsSync(file)) rmSync(file);
  log(`destroyed and removed ${stack}`);
  return 0;
}

const USAGE =
  "usage: npx tsx scripts/stack.ts new <name> [--full] [--dev-stack <org>/h3-ml/dev] | rm <name> [--yes]\n" +
  "   or: make stack-new NAME=<name> [FULL=1] [DEV_STACK=<org>/h3-ml/dev] | make stack-rm NAME=<name> [YES=1]";

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  const flags = new Set(["--yes", "--full"]);
  const devAt = rest.indexOf("--dev-stack");
  const devStack = devAt >= 0 ? rest[devAt + 1] : undefined;
  const names = rest.filter((a, i) => !flags.has(a) && i !== devAt && (devAt < 0 || i !== devAt + 1));
  const valid =
    names.length === 1 &&
    ((command === "new" && !rest.includes("--yes") && (devAt < 0 || devStack)) ||
      (command === "rm" && !rest.includes("--full") && devAt < 0));
  if (!valid) {
    console.error(USAGE);
    return 2;
  }
  normalizePerson(names[0]);
  if (command === "rm") return stackRm(names[0], rest.includes("--yes"));
  const full = rest.includes("--full");
  if (full && devStack) {
    console.error("a full copy reads no dev stack: give FULL=1 or DEV_STACK, not both");
    return 2;
  }
  // Without FULL or DEV_STACK a rerun keeps whatever mode the existing file has.
  if (full) return stackNew(names[0], { mode: "full" });
  return stackNew(names[0], devStack ? { mode: "shared", devStack: checkDevStack(devStack) } : {});
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
