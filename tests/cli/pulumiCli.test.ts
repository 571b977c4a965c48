import { spawnSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../scripts/lib/stackConfig";
import { PULUMI_BIN } from "./realPulumi";

const MODULE = path.join(PROJECT_ROOT, "tools", "pulumi-cli");
const INSTALL = path.join(MODULE, "install.sh");
const sdkVersion: string = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"))
  .dependencies["@pulumi/pulumi"];

/** A folder on PATH holding a `pulumi` that prints `version`; no Go on that PATH. */
function pathWithPulumi(version: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), "h3-fake-pulumi-"));
  mkdirSync(path.join(dir, "bin"));
  writeFileSync(path.join(dir, "bin", "pulumi"), `#!/bin/sh\necho "${version}"\n`);
  chmodSync(path.join(dir, "bin", "pulumi"), 0o755);
  return { dir, env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`, HOME: dir } };
}

describe("the Pulumi CLI the tests run (tools/pulumi-cli)", () => {
  it("builds the release of the @pulumi/pulumi SDK: pkg/v3 and sdk/v3 in go.mod equal package.json", () => {
    const goMod = readFileSync(path.join(MODULE, "go.mod"), "utf8");
    const required = (module: string) =>
      new RegExp(`${module.replace(/\//g, "\\/")} v(\\S+)`).exec(goMod)?.[1];
    expect(required("github.com/pulumi/pulumi/pkg/v3")).to.equal(sdkVersion);
    expect(required("github.com/pulumi/pulumi/sdk/v3")).to.equal(sdkVersion);
  });

  it("is installed in .cache/bin and reports that release itself", () => {
    const result = spawnSync(PULUMI_BIN, ["version"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(result.stdout.trim()).to.equal(`v${sdkVersion}`);
  });

  it("install.sh links a pulumi of that release found on PATH instead of building one", () => {
    const { dir, env } = pathWithPulumi(`v${sdkVersion}`);
    const dest = path.join(dir, "cache", "pulumi");
    const result = spawnSync(INSTALL, [dest], { encoding: "utf8", env });
    expect(result.status, result.stderr).to.equal(0);
    expect(lstatSync(dest).isSymbolicLink()).to.equal(true);
    expect(readlinkSync(dest)).to.equal(path.join(dir, "bin", "pulumi"));
  });

  it("install.sh refuses a pulumi of another release and, without Go, says what to install", () => {
    const { dir, env } = pathWithPulumi("v3.100.0");
    const result = spawnSync(INSTALL, [path.join(dir, "cache", "pulumi")], { encoding: "utf8", env });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.equal(
      `The Pulumi CLI v${sdkVersion} is needed by the tests that run it: install Go (https://go.dev/dl), which builds it, ` +
        `or the Pulumi CLI v${sdkVersion} (https://www.pulumi.com/docs/iac/download-install/), then re-run make\n`,
    );
  });

  it("install.sh does not take a binary that prints no version for that release", () => {
    const { dir, env } = pathWithPulumi("");
    const result = spawnSync(INSTALL, [path.join(dir, "cache", "pulumi")], { encoding: "utf8", env });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain("install Go (https://go.dev/dl)");
  });
});
