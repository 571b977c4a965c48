import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { deployCode, planningConfig, qualifiedStack, readConfigFromCli } from "../../scripts/deployCode";
import { codeDeployArgs, codeDeployPlan, type StateResource } from "../../scripts/lib/codeTargets";
import type { PulumiResult, PulumiRunner } from "../../scripts/lib/pulumiCli";
import { deployedState, FILE, JOB, renamed, urnOf } from "../codeDeployState";
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
  const setDevStack = (project: RealPulumiProject, name: string) =>
    expect(
      project.pulumi(["config", "set", "--stack", stack, "--path", "personal.devStack", name]).status,
    ).to.equal(0);

  it("reads a nested secret with the rest of its key: notification emails and the webhook both reach the program", async () => {
    const project = realPulumiProject();
    expect(project.pulumi(["stack", "init", stack]).status).to.equal(0);
    const set = (...args: string[]) =>
      expect(project.pulumi(["config", "set", "--stack", stack, "--path", ...args]).status).to.equal(0);
    set("personal.mode", "shared");
    set("eventHubs.partitionCount", "2");
    set("databricks.notificationEmails[0]", "oncall@example.com");
    set("--secret", "databricks.notificationWebhookUrl", "https://hooks.example.com/h3-secret-path");
    const file = parse(readFileSync(path.join(project.root, `Pulumi.${stack}.yaml`), "utf8")).config;
    expect(file["h3-ml:databricks"].notificationWebhookUrl).to.have.key("secure");
    // Without --show-secrets the CLI prints no value for the whole key: the emails would be lost too.
    const listed = JSON.parse(
      project.pulumi(["config", "--json", "--stack", stack], { capture: true }).stdout,
    );
    expect(listed["h3-ml:databricks"]).to.deep.equal({ secret: true });

    const config = readConfigFromCli(project.pulumi, stack);
    expect(config).to.deep.include({
      "h3-ml:databricks": {
        notificationEmails: ["oncall@example.com"],
        notificationWebhookUrl: "https://hooks.example.com/h3-secret-path",
      },
      "h3-ml:eventHubs": { partitionCount: 2 },
      "h3-ml:location": "westeurope",
    });
    const { registrations } = await evaluateProgram(stack, { config });
    expect(
      registrations.find((r) => r.type === "azure-native:eventhub:EventHub")?.inputs.partitionCount,
    ).to.equal(2);
    const destination = registrations.find(
      (r) => r.type === "databricks:index/notificationDestination:NotificationDestination",
    );
    expect(JSON.stringify(destination?.inputs)).to.contain("https://hooks.example.com/h3-secret-path");
    const jobs = registrations.filter((r) => r.type === JOB);
    expect(jobs.map((j) => j.inputs.emailNotifications?.onFailures)).to.deep.equal(
      jobs.map(() => ["oncall@example.com"]),
    );
  });

  it("names the dev stack a shared personal stack reads after the backend's organization, or its config", () => {
    const project = realPulumiProject();
    expect(project.pulumi(["stack", "init", stack]).status).to.equal(0);
    setMode(project);
    const qualified = qualifiedStack(project.pulumi, stack);
    // A self-managed backend files every stack under the organization `organization`.
    expect(qualified).to.deep.equal({ organization: "organization", project: "h3-ml" });
    expect(planningConfig(readConfigFromCli(project.pulumi, stack), stack, qualified).devStack).to.equal(
      "organization/h3-ml/dev",
    );
    setDevStack(project, "acme/h3-ml/dev");
    expect(planningConfig(readConfigFromCli(project.pulumi, stack), stack, qualified).devStack).to.equal(
      "acme/h3-ml/dev",
    );
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
    expect(pulumi.calls.map((c) => c.slice(0, 2).join(" "))).to.deep.equal([
      "config --json",
      "stack --show-name",
      "stack export",
      "preview --json",
      "up --stack",
    ]);
    expect(pulumi.calls.at(-1)).to.deep.equal(codeDeployArgs(stack, expected, ["--yes"]));
    expect(log.at(-1)).to.equal(
      `code-only deploy of ${stack}: ${expected.length - 1} notebooks, files and folders kept in step, 1 removed ` +
        "(notebooks-h3_ml/stale_module.py); jobs and infrastructure untouched",
    );
  });

  it("deploys a shared personal stack whose dev stack has another name: the mocks answer under that name", async () => {
    const project = realPulumiProject();
    const { registrations } = await evaluateProgram(stack, { config: shared });
    importState(project, stack, {}, deployedState(stack, registrations));
    setMode(project);
    // A self-managed backend (this file backend) has no organization but `organization`: another name there is
    // another stack name (tests/harness/backends.ts refuses what the backend refuses).
    setDevStack(project, "organization/h3-ml/team-dev");
    const pulumi = withoutPlugins(project, { steps: [] });
    expect(await deployCode(stack, [], { pulumi: pulumi.run, log: () => {} })).to.equal(0);
    expect(pulumi.calls.at(-1)?.[0]).to.equal("up");
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
