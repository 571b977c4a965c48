import { expect } from "chai";
import { deployCode, planningConfig, SharedStackRefused } from "../scripts/deployCode";
import {
  CodeDeployRefused,
  codeDeployArgs,
  codeDeployPlan,
  refuseReplacedPaths,
  type StateResource,
} from "../scripts/lib/codeTargets";
import type { PulumiRunner } from "../scripts/lib/pulumiCli";
import { DIRECTORY, deployedState, FILE, JOB, NOTEBOOK, renamed, urnOf } from "./codeDeployState";
import { evaluateProgram } from "./harness/mockProgram";
import { evaluated, expectedNotebookAssets, SHARED_MODE, sectionWith } from "./support";

describe("code-only deploy targets", () => {
  for (const stack of ["dev", "prod"]) {
    it(`target the folder and one asset per file under notebooks/ on ${stack}, never a job`, async () => {
      const { registrations } = await evaluated(stack);
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
    const { registrations } = await evaluated("dev");
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
    const { registrations } = await evaluated("dev");
    const lakeUrn = urnOf(registrations, FILE, "notebooks-h3_ml/lake.py");
    const state = deployedState("dev", registrations);
    const old = renamed(state.find((r) => r.urn === lakeUrn) as StateResource, "notebooks-h3_ml/storage.py");
    const plan = codeDeployPlan("dev", registrations, [...state.filter((r) => r.urn !== lakeUrn), old]);
    expect(plan.deletes).to.deep.equal([old.urn]);
    expect(plan.targets).to.include.members([lakeUrn, old.urn]);
  });

  it("refuse a renamed notebook a job runs: the job itself must change", async () => {
    const { registrations } = await evaluated("dev");
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
    const before = await evaluated("dev");
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
    const { registrations } = await evaluated("dev");
    const state = deployedState("dev", registrations).filter((r) => r.type !== "pulumi:providers:databricks");
    expect(() => codeDeployPlan("dev", registrations, state)).to.throw(
      "  - Directory notebooks-folder needs provider databricks-provider, which is new: only a full deploy creates it (pulumi/pulumi#5869)",
    );
  });

  it("refuse a stack that was never deployed", async () => {
    const { registrations } = await evaluated("dev");
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

describe("make deploy-code on shared stacks and other backends", () => {
  /** The CLI as deployCode calls it, answering from `config` and `qualified`; records every call. */
  function fakeCli(qualified: string, config: Record<string, unknown> = {}, state: StateResource[] = []) {
    const calls: string[][] = [];
    const run: PulumiRunner = (args) => {
      calls.push([...args]);
      const answer = (stdout: string) => ({ found: true, status: 0, stdout, stderr: "" });
      if (args[0] === "config") return answer(JSON.stringify(config));
      if (args[1] === "--show-name") return answer(`${qualified}\n`);
      if (args[1] === "export") return answer(JSON.stringify({ deployment: { resources: state } }));
      if (args[0] === "preview") return answer(JSON.stringify({ steps: [] }));
      return answer("");
    };
    return { calls, run };
  }

  for (const stack of ["dev", "prod"]) {
    it(`refuses ${stack} outside CI before it plans anything, naming the fix`, async () => {
      const cli = fakeCli(`organization/h3-ml/${stack}`);
      const refused = await deployCode(stack, ["--yes"], { pulumi: cli.run, env: {}, log: () => {} }).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(refused).to.be.instanceOf(SharedStackRefused);
      expect(refused?.message).to.equal(
        `make deploy-code refuses ${stack} outside CI: it is a shared stack (${stack}), whose code changes through ` +
          "CI, behind the pull request's review and, for prod, the prod gate (docs/ci.md).\n" +
          "Fix: merge the change to main and let CI deploy it; in an emergency, " +
          `make deploy-code STACK=${stack} ALLOW_SHARED=1 (--allow-shared-stack) says you mean it.`,
      );
      expect(cli.calls.map((c) => c[0])).to.deep.equal(["config", "stack"]);
    });
  }

  it("refuses a stack whose environment says dev whatever its name", async () => {
    const cli = fakeCli("organization/h3-ml/team-x", {
      "h3-ml:environment": { value: "dev", secret: false },
    });
    await deployCode("team-x", [], { pulumi: cli.run, env: {}, log: () => {} }).then(
      () => expect.fail("a dev stack must be refused"),
      (err: Error) => expect(err).to.be.instanceOf(SharedStackRefused),
    );
  });

  it("deploys dev in CI, or outside it with --allow-shared-stack", async () => {
    const { registrations } = await evaluated("dev");
    const state = deployedState("dev", registrations);
    for (const options of [
      { env: { CI: "true" } },
      { env: { TF_BUILD: "True" } },
      { env: {}, allowSharedStack: true },
    ]) {
      const cli = fakeCli("organization/h3-ml/dev", {}, state);
      expect(await deployCode("dev", ["--yes"], { pulumi: cli.run, log: () => {}, ...options })).to.equal(0);
      expect(cli.calls.at(-1)).to.deep.equal(
        codeDeployArgs("dev", codeDeployPlan("dev", registrations, state).targets, ["--yes"]),
      );
    }
  });

  it("reads the dev stack of a Pulumi Cloud personal stack from its organization", () => {
    const sharedMode = { "h3-ml:personal": { mode: "shared" } };
    expect(planningConfig(sharedMode, "dev-ada", { organization: "acme", project: "h3-ml" })).to.deep.equal({
      config: { "h3-ml:personal": { mode: "shared", devStack: "acme/h3-ml/dev" } },
      devStack: "acme/h3-ml/dev",
    });
    const configured = { "h3-ml:personal": { mode: "shared", devStack: "acme/h3-ml/dev-eu" } };
    expect(
      planningConfig(configured, "dev-ada", { organization: "acme", project: "h3-ml" }).devStack,
    ).to.equal("acme/h3-ml/dev-eu");
    // A full copy and the shared stacks read no dev stack.
    expect(
      planningConfig({ "h3-ml:personal": { mode: "full" } }, "dev-ada", {
        organization: "acme",
        project: "h3-ml",
      }),
    ).to.deep.equal({
      config: { "h3-ml:personal": { mode: "full" } },
    });
    expect(planningConfig({}, "prod", { organization: "acme", project: "h3-ml" })).to.deep.equal({
      config: {},
    });
  });

  it("evaluates a Pulumi Cloud personal stack under its organization's dev stack", async () => {
    const { registrations } = await evaluated("dev-ada", { config: SHARED_MODE });
    const mode = { "h3-ml:personal": { objectValue: { mode: "shared" }, secret: false } };
    const cli = fakeCli("acme/h3-ml/dev-ada", mode, deployedState("dev-ada", registrations));
    expect(await deployCode("acme/dev-ada", [], { pulumi: cli.run, env: {}, log: () => {} })).to.equal(0);
  });
});
