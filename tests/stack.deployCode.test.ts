import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { deployCode, readConfigFromCli } from "../scripts/deployCode";
import {
  CodeDeployRefused,
  codeDeployArgs,
  codeDeployPlan,
  providerUrn,
  refuseReplacedPaths,
  type StateResource,
} from "../scripts/lib/codeTargets";
import { evaluateProgram, type Registration } from "../scripts/lib/mockProgram";
import type { PulumiResult, PulumiRunner } from "../scripts/lib/pulumiCli";
import { importState, type RealPulumiProject, realPulumiProject } from "./realPulumi";
import { expectedNotebookAssets, sectionWith } from "./support";

/** The stack's state after a full deploy of `registrations`, as `pulumi stack export` lists it. */
function deployedState(stack: string, registrations: readonly Registration[]): StateResource[] {
  const root = `urn:pulumi:${stack}::h3-ml::pulumi:pulumi:Stack::h3-ml-${stack}`;
  const urns = new Set(registrations.map((r) => r.urn));
  const providerIds = new Map(
    registrations
      .filter((r) => r.provider)
      .map((r) => [providerUrn(r.provider), r.provider?.split("::").at(-1)]),
  );
  return registrations.map((r) => ({
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    ...(r.custom ? { id: providerIds.get(r.urn) ?? `${r.name}-id` } : {}),
    parent: r.parent ?? root,
    ...(r.provider ? { provider: r.provider } : {}),
    dependencies: r.dependencies.filter((d) => urns.has(d)),
  }));
}

const urnOf = (registrations: readonly Registration[], type: string, name: string): string => {
  const found = registrations.find((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).not.to.equal(undefined);
  return found?.urn ?? "";
};
const NOTEBOOK = "databricks:index/notebook:Notebook";
const FILE = "databricks:index/workspaceFile:WorkspaceFile";
const DIRECTORY = "databricks:index/directory:Directory";
const JOB = "databricks:index/job:Job";

/** A state entry for a code resource of `like`'s kind and folder under another logical name. */
function renamed(like: StateResource, name: string): StateResource {
  return { ...like, urn: `${like.urn.slice(0, like.urn.lastIndexOf("::"))}::${name}` };
}

describe("code-only deploy targets", () => {
  for (const stack of ["dev", "prod"]) {
    it(`target the folder and one asset per file under notebooks/ on ${stack}, never a job`, async () => {
      const { registrations } = await evaluateProgram(stack);
      const plan = codeDeployPlan(stack, registrations, deployedState(stack, registrations));
      const byUrn = new Map(registrations.map((r) => [r.urn, r]));
      expect(plan.deletes).to.deep.equal([]);
      expect(plan.targets.map((u) => `${byUrn.get(u)?.type} ${byUrn.get(u)?.name}`).sort()).to.deep.equal(
        [`${DIRECTORY} notebooks-folder`, ...expectedNotebookAssets()].sort(),
      );
      expect(plan.targets.filter((u) => byUrn.get(u)?.type === JOB)).to.deep.equal([]);
    });
  }

  it("target a file deleted from notebooks/, so Pulumi deletes it", async () => {
    const { registrations } = await evaluateProgram("dev");
    const state = deployedState("dev", registrations);
    const lake = state.find(
      (r) => r.urn === urnOf(registrations, FILE, "notebooks-h3_ml/lake.py"),
    ) as StateResource;
    const stale = renamed(lake, "notebooks-h3_ml/stale_module.py");
    const plan = codeDeployPlan("dev", registrations, [...state, stale]);
    expect(plan.deletes).to.deep.equal([stale.urn]);
    expect(plan.targets).to.include(stale.urn);
  });

  it("target both names of a renamed package file: the new one created, the old one deleted", async () => {
    const { registrations } = await evaluateProgram("dev");
    const lakeUrn = urnOf(registrations, FILE, "notebooks-h3_ml/lake.py");
    const state = deployedState("dev", registrations);
    const old = renamed(state.find((r) => r.urn === lakeUrn) as StateResource, "notebooks-h3_ml/storage.py");
    const plan = codeDeployPlan("dev", registrations, [...state.filter((r) => r.urn !== lakeUrn), old]);
    expect(plan.deletes).to.deep.equal([old.urn]);
    expect(plan.targets).to.include.members([lakeUrn, old.urn]);
  });

  it("refuse a renamed notebook a job runs: the job itself must change", async () => {
    const { registrations } = await evaluateProgram("dev");
    const ingest = urnOf(registrations, NOTEBOOK, "notebooks-ingest.py");
    const state = deployedState("dev", registrations);
    const old = renamed(state.find((r) => r.urn === ingest) as StateResource, "notebooks-ingest_events.py");
    const jobs = state.map((r) =>
      r.type === JOB
        ? { ...r, dependencies: (r.dependencies ?? []).map((d) => (d === ingest ? old.urn : d)) }
        : r,
    );
    const refused = () =>
      codeDeployPlan("dev", registrations, [...jobs.filter((r) => r.urn !== ingest), old]);
    expect(refused).to.throw(CodeDeployRefused);
    expect(refused).to.throw(
      "a code-only deploy of dev cannot ship this change:\n" +
        "  - Job jobs-ingest would use the new Notebook notebooks-ingest.py: the Job itself must change\n" +
        "  - Job jobs-ingest uses Notebook notebooks-ingest_events.py, which the program no longer has: the Job itself must change\n" +
        "Fix: deploy it whole with `pulumi up --stack dev --policy-pack policy` (or let CI deploy it).",
    );
  });

  it("keep the same targets when only job settings change (crons, clusters)", async () => {
    const before = await evaluateProgram("dev");
    const after = await evaluateProgram("dev", {
      config: sectionWith("dev", "databricks", {
        normalizeCron: "0 45 * * * ?",
        jobWorkers: 1,
        maxWorkers: 2,
      }),
    });
    const state = deployedState("dev", before.registrations);
    expect(codeDeployPlan("dev", after.registrations, state)).to.deep.equal(
      codeDeployPlan("dev", before.registrations, state),
    );
  });

  it("leave a new notification destination and the jobs that use it to a full deploy, without failing", async () => {
    const { registrations } = await evaluateProgram("dev", {
      config: { databricks: { notificationWebhookUrl: "https://hooks.example.com/h3" } },
    });
    const destination = registrations.filter(
      (r) => r.type === "databricks:index/notificationDestination:NotificationDestination",
    );
    expect(destination).to.have.length(1);
    const state = deployedState("dev", registrations).filter((r) => r.urn !== destination[0]?.urn);
    const plan = codeDeployPlan("dev", registrations, state);
    expect(plan.targets).not.to.include(destination[0]?.urn);
  });

  it("refuse when the workspace provider is new: the notebooks cannot be created without it", async () => {
    const { registrations } = await evaluateProgram("dev");
    const state = deployedState("dev", registrations).filter((r) => r.type !== "pulumi:providers:databricks");
    expect(() => codeDeployPlan("dev", registrations, state)).to.throw(
      "  - Directory notebooks-folder needs provider databricks-provider, which is new: only a full deploy creates it (pulumi/pulumi#5869)",
    );
  });

  it("refuse a stack that was never deployed", async () => {
    const { registrations } = await evaluateProgram("dev");
    expect(() => codeDeployPlan("dev-ada", registrations, [])).to.throw(
      "  - dev-ada has never been deployed: its state holds no resource",
    );
  });

  it("refuse a folder or notebook the targeted preview replaces: its path changes under the jobs", () => {
    const folder =
      "urn:pulumi:dev::h3-ml::h3:databricks:WorkspaceAssets$databricks:index/directory:Directory::notebooks-folder";
    const file =
      "urn:pulumi:dev::h3-ml::h3:databricks:WorkspaceAssets$databricks:index/workspaceFile:WorkspaceFile::notebooks-h3_ml/lake.py";
    expect(() =>
      refuseReplacedPaths(
        [
          { op: "update", urn: file },
          { op: "replace", urn: folder, replaceReasons: ["path"] },
          { op: "create-replacement", urn: folder, replaceReasons: ["path"] },
        ],
        "dev",
      ),
    ).to.throw(
      "  - notebooks-folder would be replaced (path): its workspace path changes, and the jobs would keep running the old one",
    );
    expect(() =>
      refuseReplacedPaths(
        [
          { op: "update", urn: file },
          { op: "delete", urn: file },
        ],
        "dev",
      ),
    ).not.to.throw();
  });

  it("builds a pulumi up limited to the targets, with the policy pack", () => {
    expect(codeDeployArgs("dev-ada", ["urn:a", "urn:b"], ["--yes"])).to.deep.equal([
      "up",
      "--stack",
      "dev-ada",
      "--policy-pack",
      "policy",
      "--target",
      "urn:a",
      "--target",
      "urn:b",
      "--yes",
    ]);
  });
});

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

  it("reads config with `pulumi config --json`: a secure value is left out, not read as an object", async () => {
    const project = realPulumiProject();
    expect(project.pulumi(["stack", "init", stack]).status).to.equal(0);
    const set = (...args: string[]) =>
      expect(project.pulumi(["config", "set", "--stack", stack, "--path", ...args]).status).to.equal(0);
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
    const { registrations } = await evaluateProgram(stack);
    const state = deployedState(stack, registrations);
    const lake = state.find(
      (r) => r.urn === urnOf(registrations, FILE, "notebooks-h3_ml/lake.py"),
    ) as StateResource;
    const stale = renamed(lake, "notebooks-h3_ml/stale_module.py");
    importState(project, stack, {}, [...state, stale]);
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
    const { registrations } = await evaluateProgram(stack);
    importState(project, stack, {}, deployedState(stack, registrations));
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
