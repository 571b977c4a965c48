/**
 * The real Pulumi CLI (`make install-pulumi` puts it in .cache/bin) on a throw-away project: a temporary
 * folder with the real Pulumi.yaml, a file backend and a PULUMI_HOME of its own, so a test never reads or
 * writes the user's login, stacks or plugins. Stack secrets use a passphrase.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { type PulumiRunner, pulumiCli } from "../scripts/lib/pulumiCli";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";

export const PULUMI_BIN = path.join(PROJECT_ROOT, ".cache", "bin", "pulumi");

export interface RealPulumiProject {
  /** The project folder: Pulumi.yaml, and the Pulumi.<stack>.yaml files the CLI writes. */
  readonly root: string;
  readonly backend: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pulumi: PulumiRunner;
}

export function realPulumiProject(): RealPulumiProject {
  expect(existsSync(PULUMI_BIN), "the Pulumi CLI is not installed: run `make install-pulumi`").to.equal(true);
  const base = mkdtempSync(path.join(tmpdir(), "h3-pulumi-"));
  const root = path.join(base, "project");
  const backend = path.join(base, "state");
  for (const dir of [root, backend, path.join(base, "home")]) mkdirSync(dir);
  copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: base,
    PULUMI_HOME: path.join(base, "home"),
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "h3-ml tests only",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  return { root, backend, env, pulumi: pulumiCli({ binary: PULUMI_BIN, cwd: root, env, quiet: true }) };
}
