import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { deployCode, readConfigFromCli } from "../../scripts/deployCode";
import { codeDeployArgs, codeDeployPlan, type StateResource } from "../../scripts/lib/codeTargets";
import type { PulumiResult, PulumiRunner } from "../../scripts/lib/pulumiCli";
import { deployedState, FILE, renamed, urnOf } from "../codeDeployState";
import { evaluateProgram } from "../harness/mockProgram";
import { importState, type RealPulumiProject, realPulumiProject } from "./realPulumi";

/** The real CLI for every call but `preview` and `up`, which need provider plugins this machine lacks. */
function withoutPlugins(project: RealPulumiProject, preview: object) {
  const calls: string[][] = [];
  const run: PulumiRunner = (args, call) => {
    calls.push([...args]);
    if (args[0] === "preview") return { found: true, status: 0, stdout: JSON.stringify(preview), stderr: "" };
    if (args[0] === "up") return { found: true, status: 0, stdout: "", stderr: "" } satisfies PulumiResult;
    return project.pulumi(args, call);
  };
  return { calls, run };
}

describe("make deploy-code (real Pulumi CLI for config and state)", () => {
  const stack = "dev-codetest";
  // A shared personal stack, as `make stack-new` writes its file.
  const shared = { personal: { mode: "shared" } };
  const setMode = (project: RealPulumiProject) =>
    expect(
      project.pulumi(["config", "set", "--stack", stack, "--path", "personal.mode", "shared"]).status,
    ).to.equal(0);

  it("reads config with `pulumi config --json`: a secure value is left out, not read as an object", async () => {
    const project = realPulumiProject();
    expect(project.pulumi(["stack", "init", stack]).status).to.equal(0);
    const set = (...args: string[]) =>
      expect(project.pulumi(["config", "set", "--stack", stack, "--path", ...args]).status).to.equal(0);
    set("personal.mode", "shared");
    set("eventHubs.partitionCount", "2");
    set("--secret", "databricks.notificationWebhookUrl", "https://hooks.example.com/h3-secret-path");
    const file = parse(readFileSync(path.join(project.root, `Pulumi.${stack}.yaml`), "utf8")).config;
    // What the mocks saw before: the file's `secure:` object, which the program's validator rejects.
    expect(file["h3-ml:databricks"].notificationWebhookUrl).to.have.key("secure");
    const before = await evaluateProgram(stack, { config: file }).then(
      () => "accepted",
      (err: Error) => err.message,
    );
    expect(before).to.contain("databricks.notificationWebhookUrl");

    const config = readConfigFromCli(project.pulumi, stack);
    expect(config.secretKeys).to.deep.equal(["h3-ml:databricks"]);
    expect(config.overrides).to.deep.include({
      "h3-ml:databricks": undefined,
      "h3-ml:eventHubs": { partitionCount: 2 },
      "h3-ml:location": "westeurope",
    });
    const { registrations } = await evaluateProgram(stack, { config: config.overrides });
    const hub = registrations.find((r) => r.type === "azure-native:eventhub:EventHub");
    expect(hub?.inputs.partitionCount).to.equal(2);
  });

  it("deploys the notebooks and files of a deployed stack and deletes the one removed from notebooks/", async () => {
    const project = realPulumiProject();
    const { registrations } = await evaluateProgram(stack, { config: shared });
    const state = deployedState(stack, registrations);
    const lake = state.find(
      (r) => r.urn === urnOf(registrations, FILE, "notebooks-h3_ml/lake.py"),
    ) as StateResource;
    const stale = renamed(lake, "notebooks-h3_ml/stale_module.py");
    importState(project, stack, {}, [...state, stale]);
    setMode(project);
    const pulumi = withoutPlugins(project, { steps: [{ op: "delete", urn: stale.urn }] });
    const log: string[] = [];
    expect(await deployCode(stack, ["--yes"], { pulumi: pulumi.run, log: (l) => log.push(l) })).to.equal(0);

    const expected = codeDeployPlan(stack, registrations, [...state, stale]).targets;
    expect(expected).to.include(stale.urn);
    expect(pulumi.calls.map((c) => c[0])).to.deep.equal(["config", "stack", "preview", "up"]);
    expect(pulumi.calls.at(-1)).to.deep.equal(codeDeployArgs(stack, expected, ["--yes"]));
    expect(log.at(-1)).to.equal(
      `code-only deploy of ${stack}: ${expected.length - 1} notebooks, files and folders kept in step, 1 removed ` +
        "(notebooks-h3_ml/stale_module.py); jobs and infrastructure untouched",
    );
  });

  it("stops before `pulumi up` when the targeted preview fails, with Pulumi's error", async () => {
    const project = realPulumiProject();
    const { registrations } = await evaluateProgram(stack, { config: shared });
    importState(project, stack, {}, deployedState(stack, registrations));
    setMode(project);
    const failing: PulumiRunner = (args, call) =>
      args[0] === "preview"
        ? {
            found: true,
            status: 255,
            stdout: JSON.stringify({
              diagnostics: [
                { severity: "error", message: "provider workspace-provider has not been registered yet\n" },
              ],
            }),
            stderr: "",
          }
        : args[0] === "up"
          ? expect.fail("up must not run")
          : project.pulumi(args, call);
    let message = "";
    await deployCode(stack, [], { pulumi: failing, log: () => {} }).catch((err: Error) => {
      message = err.message;
    });
    expect(message).to.equal(
      `\`pulumi preview --json --stack ${stack} --target ...\` failed (exit 255): provider workspace-provider has not been registered yet`,
    );
  });
});
