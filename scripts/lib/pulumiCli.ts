/**
 * The few Pulumi CLI calls the deploy scripts make, behind one seam so tests can run the scripts without a
 * CLI (or with a recording fake) and nobody's real stacks are touched by `npm test`.
 */
import { spawnSync } from "node:child_process";

export interface PulumiResult {
  /** False when no `pulumi` executable was found on PATH. */
  readonly found: boolean;
  readonly status: number;
}

export type PulumiRunner = (args: readonly string[]) => PulumiResult;

export const INSTALL_HINT =
  "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), run `pulumi login` " +
  "(Pulumi Cloud, or your team's azblob:// backend), then run this command again.";

/** Runs the real CLI with inherited stdio, so prompts and previews reach the person at the terminal. */
export const runPulumi: PulumiRunner = (args) => {
  const result = spawnSync("pulumi", [...args], { stdio: "inherit" });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { found: !missing, status: missing ? 127 : (result.status ?? 1) };
};

/** A command line as a person would paste it: arguments with spaces or shell characters are quoted. */
export function shellLine(args: readonly string[]): string {
  return ["pulumi", ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}
