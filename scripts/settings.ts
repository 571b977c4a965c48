/**
 * Local settings for working against a deployed stack, in one command:
 *
 *   make settings STACK=<stack>          (npx tsx scripts/settings.ts <stack>)
 *
 * - a Databricks CLI profile `<project>-<stack>` for the stack's workspace with Azure CLI auth (`az login`
 *   first), in $DATABRICKS_CONFIG_FILE or ~/.databrickscfg; other profiles are kept as they are;
 * - `.env.<stack>` (git-ignored) with every non-secret stack output as H3_<OUTPUT>=..., plus H3_STACK and
 *   DATABRICKS_CONFIG_PROFILE. Secret outputs are left out and named in the file.
 *
 * Reads the outputs with `pulumi stack output --json`, never with --show-secrets.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { runMain } from "./lib/cli";
import {
  profileName,
  renderEnvFile,
  SECRET_OUTPUT,
  upsertProfile,
  WORKSPACE_URL_OUTPUT,
  workspaceHost,
} from "./lib/localSettings";
import { type PulumiRunner, pulumiJson, runPulumi } from "./lib/pulumiCli";
import { loadStackConfig, PROJECT_ROOT } from "./lib/stackConfig";

export interface SettingsOptions {
  readonly root?: string;
  readonly pulumi?: PulumiRunner;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export interface WrittenSettings {
  readonly profile: string;
  readonly profileFile: string;
  readonly envFile: string;
  readonly secrets: readonly string[];
}

/** The Databricks config file the CLI and SDKs read: $DATABRICKS_CONFIG_FILE, else ~/.databrickscfg. */
function databricksConfigFile(env: NodeJS.ProcessEnv): string {
  return env.DATABRICKS_CONFIG_FILE || path.join(env.HOME || homedir(), ".databrickscfg");
}

export function writeSettings(stack: string, options: SettingsOptions = {}): WrittenSettings {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  const env = options.env ?? process.env;
  const pulumi = options.pulumi ?? runPulumi;
  const outputs = pulumiJson(pulumi, ["stack", "output", "--json", "--stack", stack]) as Record<
    string,
    unknown
  >;
  const url = outputs[WORKSPACE_URL_OUTPUT];
  if (typeof url !== "string" || url === "" || url === SECRET_OUTPUT) {
    throw new Error(
      `stack ${stack} has no ${WORKSPACE_URL_OUTPUT} output (got ${JSON.stringify(url ?? null)}): it has not been ` +
        `deployed yet. Fix: pulumi up --stack ${stack}, then run this again`,
    );
  }
  const bare = stack.split("/").at(-1) ?? stack;
  const profile = profileName(loadStackConfig(bare, {}, root).project, stack);
  const host = workspaceHost(url);

  const profileFile = databricksConfigFile(env);
  const before = existsSync(profileFile) ? readFileSync(profileFile, "utf8") : "";
  mkdirSync(path.dirname(profileFile), { recursive: true });
  writeFileSync(profileFile, upsertProfile(before, profile, { host, auth_type: "azure-cli" }));

  const envFile = path.join(root, `.env.${bare}`);
  const rendered = renderEnvFile(stack, profile, outputs);
  writeFileSync(envFile, rendered.text);

  log(`wrote profile [${profile}] (host ${host}, Azure CLI auth) to ${profileFile}`);
  log(
    `wrote ${path.relative(root, envFile)} with ${Object.keys(outputs).length - rendered.secrets.length} outputs`,
  );
  if (rendered.secrets.length > 0) log(`left out secret outputs: ${rendered.secrets.join(", ")}`);
  log(
    `Next: az login, then: databricks --profile ${profile} current-user me; ` +
      `set -a; . ./${path.relative(root, envFile)}; set +a`,
  );
  return { profile, profileFile, envFile, secrets: rendered.secrets };
}

function main(argv: readonly string[]): number {
  if (argv.length !== 1 || argv[0]?.startsWith("-")) {
    console.error("usage: make settings STACK=<stack>   (npx tsx scripts/settings.ts <stack>)");
    return 2;
  }
  writeSettings(argv[0] ?? "");
  return 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
