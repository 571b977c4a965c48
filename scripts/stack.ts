/**
 * Personal stacks in one command each.
 *
 *   npm run stack:new -- <name>          writes Pulumi.dev-<name>.yaml, then `pulumi stack init dev-<name>`
 *   npm run stack:rm -- <name> [--yes]   `pulumi destroy` then `pulumi stack rm` for dev-<name>
 *
 * Writing the config file needs no CLI; the stack commands do, and without one the script says what to run.
 * Set PULUMI_SECRETS_PROVIDER (e.g. azurekeyvault://<vault>.vault.azure.net/keys/<key>) to create the stack
 * with that secrets provider on a self-managed backend.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  normalizePerson,
  personalStackName,
  renderPersonalStackFile,
  validatePersonalStack,
} from "./lib/personalStack";
import { INSTALL_HINT, type PulumiRunner, runPulumi, shellLine } from "./lib/pulumiCli";
import { loadStackConfig, PROJECT_ROOT } from "./lib/stackConfig";

export interface StackCommandOptions {
  readonly root?: string;
  readonly pulumi?: PulumiRunner;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Creates `dev-<name>`; returns the process exit code. */
export function stackNew(person: string, options: StackCommandOptions = {}): number {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  const pulumi = options.pulumi ?? runPulumi;
  const stack = personalStackName(person);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (existsSync(file)) {
    throw new Error(
      `${path.basename(file)} already exists. If it is yours, use it: pulumi up --stack ${stack}. ` +
        "Otherwise pick another name (a stack belongs to one person).",
    );
  }
  const config = validatePersonalStack(person, root);
  writeFileSync(file, renderPersonalStackFile(person, loadStackConfig(stack, {}, root).project));
  log(
    `wrote ${path.basename(file)} (environment ${config.environment}, schedules paused, nothing protected)`,
  );

  const secretsProvider = (options.env ?? process.env).PULUMI_SECRETS_PROVIDER;
  const init = ["stack", "init", stack, ...(secretsProvider ? ["--secrets-provider", secretsProvider] : [])];
  const result = pulumi(init);
  if (!result.found) {
    log(`Pulumi CLI not found: the config file is ready, the stack is not created. ${INSTALL_HINT}`);
    log(`Then: ${shellLine(init)} && pulumi up --stack ${stack}`);
    return 0;
  }
  if (result.status !== 0) {
    // The stack name is taken in the backend: the file must not suggest otherwise.
    rmSync(file);
    throw new Error(
      `\`${shellLine(init)}\` failed (exit ${result.status}); removed ${path.basename(file)}. ` +
        "If the stack already exists it belongs to someone with the same name: pick another name.",
    );
  }
  log(`created stack ${stack}. Next: pulumi up --stack ${stack}`);
  return 0;
}

/** Destroys and removes `dev-<name>`; `yes` skips Pulumi's confirmation prompts. */
export function stackRm(person: string, yes: boolean, options: StackCommandOptions = {}): number {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  const pulumi = options.pulumi ?? runPulumi;
  const stack = personalStackName(person);
  const confirm = yes ? ["--yes"] : [];
  const steps = [
    ["destroy", "--stack", stack, ...confirm],
    ["stack", "rm", stack, ...confirm],
  ];
  for (const args of steps) {
    const result = pulumi(args);
    if (!result.found) {
      log(`Pulumi CLI not found: nothing was destroyed. ${INSTALL_HINT}`);
      log(`Then: ${steps.map(shellLine).join(" && ")}`);
      return 1;
    }
    if (result.status !== 0) {
      log(`\`${shellLine(args)}\` failed (exit ${result.status}); stack ${stack} is left as it is.`);
      return result.status;
    }
  }
  // `pulumi stack rm` deletes the config file itself; this covers a file written without a stack.
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (existsSync(file)) rmSync(file);
  log(`destroyed and removed ${stack}`);
  return 0;
}

const USAGE = "usage: npm run stack:new -- <name> | npm run stack:rm -- <name> [--yes]";

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  const yes = rest.includes("--yes");
  const names = rest.filter((a) => a !== "--yes");
  if (names.length !== 1 || (command !== "new" && command !== "rm")) {
    console.error(USAGE);
    return 2;
  }
  normalizePerson(names[0]);
  return command === "new" ? stackNew(names[0]) : stackRm(names[0], yes);
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
