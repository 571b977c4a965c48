/**
 * The Pulumi CLI calls the deploy scripts make, behind one seam: the scripts take a `PulumiRunner`, so tests
 * run them against the real CLI on a temporary file backend (tests/support/realPulumi.ts) or a recording fake,
 * and nobody's real stacks are touched by `make test`.
 */
import { spawnSync } from "node:child_process";

export interface PulumiResult {
  /** False when no `pulumi` executable was found. */
  readonly found: boolean;
  readonly status: number;
  /** What the command printed, when it was run with `capture`; empty otherwise. */
  readonly stdout: string;
  readonly stderr: string;
}

export interface PulumiCall {
  /** Read stdout and stderr instead of passing them to the terminal (for `--json` output). */
  readonly capture?: boolean;
}

export type PulumiRunner = (args: readonly string[], call?: PulumiCall) => PulumiResult;

export interface PulumiCliOptions {
  /** @default "pulumi" from PATH */
  readonly binary?: string;
  /** Folder holding Pulumi.yaml. @default the current directory */
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Keep even uncaptured output off the terminal (tests). @default false */
  readonly quiet?: boolean;
}

export const INSTALL_HINT =
  "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), run `pulumi login` " +
  "(Pulumi Cloud, or your team's azblob:// backend), then run this command again.";

/** A runner for one CLI binary; uncaptured calls inherit stdio, so prompts and previews reach the person. */
export function pulumiCli(options: PulumiCliOptions = {}): PulumiRunner {
  return (args, call = {}) => {
    const piped = call.capture || options.quiet;
    const result = spawnSync(options.binary ?? "pulumi", [...args], {
      cwd: options.cwd,
      env: options.env,
      encoding: "utf8",
      stdio: piped ? ["inherit", "pipe", "pipe"] : "inherit",
      maxBuffer: 256 * 1024 * 1024,
    });
    const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    return {
      found: !missing,
      status: missing ? 127 : (result.status ?? 1),
      stdout: call.capture ? (result.stdout ?? "") : "",
      stderr: call.capture ? (result.stderr ?? "") : "",
    };
  };
}

export const runPulumi: PulumiRunner = pulumiCli();

/** A command line as a person would paste it: arguments with spaces or shell characters are quoted. */
export function shellLine(args: readonly string[]): string {
  return ["pulumi", ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

/** Raised when a CLI call the script cannot go on without is missing or fails; the message says what to do. */
export class PulumiCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "PulumiCallError";
  }
}

/** Runs `args` capturing stdout and parses it as JSON; a missing CLI or a failure throws with the fix. */
export function pulumiJson(pulumi: PulumiRunner, args: readonly string[]): unknown {
  const result = pulumi(args, { capture: true });
  if (!result.found) throw new PulumiCallError(`Pulumi CLI not found. ${INSTALL_HINT}`, 127);
  if (result.status !== 0) {
    throw new PulumiCallError(
      `\`${shellLine(args)}\` failed (exit ${result.status}): ${result.stderr.trim() || "no message"}`,
      result.status,
    );
  }
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new PulumiCallError(
      `\`${shellLine(args)}\` printed no JSON: ${JSON.stringify(result.stdout.slice(0, 200))}`,
      1,
    );
  }
}
