/**
 * The commands that give a shared stack's deployers exactly what its program needs, for a subscription Owner to
 * run once per stack (docs/deployment.md, "Deployer rights"):
 *
 *   npm run deployer-rights -- prod      (npx tsx scripts/deployerRights.ts prod)
 *
 * The roles the deployer may assign are read from the program evaluated under mocks, so the list is the one
 * `pulumi up` will need; the deployers and the resource group come from the stack's config.
 */
import { parseStackConfig } from "../config/config";
import { resourceNames } from "../config/naming";
import { evaluateProgram } from "../tests/harness/mockProgram";
import { runMain } from "./lib/cli";
import { deployerCommands } from "./lib/deployerRights";
import { rawConfig } from "./lib/personalStack";
import { loadStackConfig } from "./lib/stackConfig";

export async function deployerRightsFor(stack: string): Promise<string> {
  const loaded = loadStackConfig(stack);
  const config = parseStackConfig(rawConfig(loaded.values, loaded.project), loaded.project, stack);
  const evaluation = await evaluateProgram(stack);
  return deployerCommands({
    stack,
    location: config.location,
    resourceGroup: config.resourceGroupName ?? resourceNames(config).resourceGroup,
    deployers: config.eventHubs.deployerPrincipalIds,
    registrations: evaluation.registrations,
  });
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1 || argv[0]?.startsWith("-")) {
    console.error(
      "usage: npm run deployer-rights -- <dev|prod>   (npx tsx scripts/deployerRights.ts <stack>)",
    );
    return 2;
  }
  process.stdout.write(await deployerRightsFor(argv[0] ?? ""));
  return 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
