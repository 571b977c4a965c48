/**
 * The real Pulumi CLI (`make install-pulumi` puts it in .cache/bin) on a throw-away project: a temporary
 * folder with the real Pulumi.yaml, a file backend and a PULUMI_HOME of its own, so a test never reads or
 * writes the user's login, stacks or plugins. Stack secrets use a passphrase.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { type PulumiRunner, pulumiCli } from "../../scripts/lib/pulumiCli";
import { PROJECT_ROOT } from "../../scripts/lib/stackConfig";

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

/** A resource as `pulumi stack export` writes it; what a test imports to give a stack state. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependencies?: readonly string[];
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** How the engine marks a secret value in a deployment; `stack import` encrypts the plaintext. */
export function secretValue(value: unknown): Record<string, string> {
  return {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    plaintext: JSON.stringify(value),
  };
}

/**
 * Creates `stack` and gives it a state without running anything: `pulumi stack import` of a deployment
 * holding the root stack resource with `outputs` and `resources`. No provider plugin is loaded by an import.
 */
export function importState(
  project: RealPulumiProject,
  stack: string,
  outputs: Record<string, unknown>,
  resources: readonly StateResource[] = [],
): void {
  const init = project.pulumi(["stack", "init", stack], { capture: true });
  expect(init.status, init.stderr).to.equal(0);
  const exported = project.pulumi(["stack", "export", "--stack", stack], { capture: true });
  const deployment = JSON.parse(exported.stdout).deployment;
  const root: StateResource = {
    urn: `urn:pulumi:${stack}::h3-ml::pulumi:pulumi:Stack::h3-ml-${stack}`,
    type: "pulumi:pulumi:Stack",
    custom: false,
    outputs,
  };
  const file = path.join(project.root, `${stack}.state.json`);
  writeFileSync(
    file,
    JSON.stringify({ version: 3, deployment: { ...deployment, resources: [root, ...resources] } }),
  );
  const imported = project.pulumi(["stack", "import", "--stack", stack, "--file", file], { capture: true });
  expect(imported.status, imported.stderr).to.equal(0);
}
