/**
 * Code-only deploy: `pulumi up` limited to the stack's notebooks, package files and jobs.
 *
 *   npm run deploy:code -- <stack> [pulumi up flags, e.g. --yes]     (or: make deploy-code STACK=<stack>)
 *
 * The URNs come from the program itself, evaluated under mocks with the stack's config, so a new notebook
 * is included without editing a list. A Pulumi Cloud stack may be given as <org>/<stack>.
 */

import { runMain } from "./lib/cli";
import { codeDeployArgs, codeTargets } from "./lib/codeTargets";
import { evaluateProgram } from "./lib/mockProgram";
import { INSTALL_HINT, runPulumi, shellLine } from "./lib/pulumiCli";

async function main(argv: readonly string[]): Promise<number> {
  const [stack, ...extra] = argv;
  if (!stack || stack.startsWith("-")) {
    console.error("usage: npm run deploy:code -- <stack> [--yes]");
    return 2;
  }
  // URNs carry the bare stack name, whatever organization the backend files it under.
  const targets = codeTargets((await evaluateProgram(stack.split("/").at(-1) ?? stack)).registrations);
  if (targets.length === 0) {
    console.error(`stack ${stack} registers no notebooks, package files or jobs: nothing to deploy`);
    return 1;
  }
  const args = codeDeployArgs(stack, targets, extra);
  const result = runPulumi(args);
  if (!result.found) {
    console.error(`Pulumi CLI not found. ${INSTALL_HINT}\nThe command: ${shellLine(args)}`);
  }
  return result.status;
}

runMain(() => main(process.argv.slice(2)));
