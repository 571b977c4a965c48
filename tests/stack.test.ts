import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { resourceNames } from "../config/naming";
import { evaluateProgram } from "../scripts/lib/mockProgram";
import {
  normalizePerson,
  personalStackConfig,
  personalStackName,
  validatePersonalStack,
} from "../scripts/lib/personalStack";
import type { PulumiResult } from "../scripts/lib/pulumiCli";
import { PROJECT_ROOT } from "../scripts/lib/stackConfig";
import { stackNew, stackRm } from "../scripts/stack";

/** A project folder with the real Pulumi.yaml and nothing else, so tests never write into the checkout. */
function projectCopy(): string {
  const root = mkdtempSync(path.join(tmpdir(), "h3-stack-"));
  copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  return root;
}

/** A Pulumi CLI stand-in recording every call; `results` answers them in order. */
function fakePulumi(...results: PulumiResult[]) {
  const calls: string[][] = [];
  const run = (args: readonly string[]) => {
    calls.push([...args]);
    return results[calls.length - 1] ?? { found: true, status: 0 };
  };
  return { calls, run };
}
const missing: PulumiResult = { found: false, status: 127 };

describe("personal stack names", () => {
  for (const [raw, name] of [
    ["ada", "ada"],
    ["Ada Lovelace", "ada-lovelace"],
    ["ada.lovelace@example.com", "ada-lovelace"],
    ["  ADA_LOVELACE ", "ada-lovelace"],
    ["Zoë", "zoe"],
    ["2pac", "pac"],
  ]) {
    it(`${JSON.stringify(raw)} -> dev-${name}`, () => {
      expect(personalStackName(raw)).to.equal(`dev-${name}`);
    });
  }

  it("fails when the name has no letters, naming the value and the fix", () => {
    expect(() => normalizePerson("42 !")).to.throw(/name "42 !" has no letters.*Fix: pass your name/);
  });

  it("fails when the name is too long, suggesting a shorter one", () => {
    expect(() => normalizePerson("alexandra-konstantinopoulou")).to.throw(
      /normalizes to "alexandra-konstantinopoulou" \(27 characters\); at most 16.*Fix: pass a shorter name, e.g. "alexandr"/,
    );
  });

  it("gives two people distinct stacks and distinct Azure names", () => {
    const names = (person: string) =>
      resourceNames({ project: "h3-ml", stack: personalStackName(person), namePrefix: "h3ml" });
    const [ada, adam] = [names("ada"), names("adam")];
    for (const key of Object.keys(ada) as (keyof typeof ada)[]) expect(ada[key]).not.to.equal(adam[key]);
    expect(ada.resourceGroup).to.equal("h3ml-dev-ada-rg");
  });
});

describe("npm run stack:new", () => {
  it("writes a config that the program's validator accepts as a small, personal environment", () => {
    const root = projectCopy();
    const log: string[] = [];
    expect(stackNew("Ada", { root, pulumi: fakePulumi(missing).run, log: (l) => log.push(l) })).to.equal(0);
    const file = path.join(root, "Pulumi.dev-ada.yaml");
    expect(parse(readFileSync(file, "utf8")).config).to.deep.equal({
      "h3-ml:environment": "personal",
      "h3-ml:tags": { owner: "ada" },
      "h3-ml:eventHubs": { sku: "Standard", capacity: 1, partitionCount: 1, messageRetentionDays: 1 },
      "h3-ml:storage": { sku: "Standard_LRS", rawRetentionDays: 1 },
      "h3-ml:databricks": {
        pauseSchedules: true,
        nodeType: "Standard_D4ds_v5",
        maxWorkers: 1,
        jobWorkers: 0,
      },
    });
    const config = validatePersonalStack("ada", root);
    expect(config).to.deep.include({ stack: "dev-ada", environment: "personal" });
    expect(config.storage).to.deep.include({ sku: "Standard_LRS", rawRetentionDays: 1 });
    expect(config.databricks).to.deep.include({
      pauseSchedules: true,
      nodeType: "Standard_D4ds_v5",
      maxWorkers: 1,
      jobWorkers: 0,
      analyticsCluster: undefined,
    });
  });

  it("writes a file whose plan has every job paused, single node, no analytics cluster and nothing protected", async () => {
    const root = projectCopy();
    stackNew("ada", { root, pulumi: fakePulumi(missing).run, log: () => {} });
    const written = parse(readFileSync(path.join(root, "Pulumi.dev-ada.yaml"), "utf8")).config;
    const plan = await evaluateProgram("dev-ada", { config: written });
    const jobs = plan.registrations.filter((r) => r.type === "databricks:index/job:Job");
    expect(jobs.map((j) => j.name).sort()).to.deep.equal(["jobs-delete", "jobs-ingest", "jobs-normalize"]);
    for (const job of jobs) {
      const start = job.inputs.schedule ?? job.inputs.trigger;
      expect(start?.pauseStatus, job.name).to.equal("PAUSED");
      expect(job.inputs.jobClusters[0].newCluster.numWorkers, job.name).to.equal(0);
    }
    expect(plan.registrations.filter((r) => r.type === "databricks:index/cluster:Cluster")).to.deep.equal([]);
    expect(plan.registrations.filter((r) => r.protect).map((r) => r.name)).to.deep.equal([]);
  });

  it("explains what to run when the Pulumi CLI is missing", () => {
    const log: string[] = [];
    const pulumi = fakePulumi(missing);
    stackNew("ada", { root: projectCopy(), pulumi: pulumi.run, log: (l) => log.push(l) });
    expect(pulumi.calls).to.deep.equal([["stack", "init", "dev-ada"]]);
    expect(log.join("\n"))
      .to.contain("Pulumi CLI not found")
      .and.contain("pulumi stack init dev-ada && pulumi up");
  });

  it("creates the stack with the configured secrets provider", () => {
    const pulumi = fakePulumi({ found: true, status: 0 });
    const env = { PULUMI_SECRETS_PROVIDER: "azurekeyvault://h3.vault.azure.net/keys/pulumi" };
    stackNew("ada", { root: projectCopy(), pulumi: pulumi.run, log: () => {}, env });
    expect(pulumi.calls).to.deep.equal([
      ["stack", "init", "dev-ada", "--secrets-provider", "azurekeyvault://h3.vault.azure.net/keys/pulumi"],
    ]);
  });

  it("fails when the stack name is taken in the backend and removes the file it wrote", () => {
    const root = projectCopy();
    const run = () =>
      stackNew("ada", { root, pulumi: fakePulumi({ found: true, status: 255 }).run, log: () => {} });
    expect(run).to.throw(/failed \(exit 255\); removed Pulumi.dev-ada.yaml.*pick another name/);
    expect(existsSync(path.join(root, "Pulumi.dev-ada.yaml"))).to.equal(false);
  });

  it("fails when the config file already exists", () => {
    const root = projectCopy();
    writeFileSync(path.join(root, "Pulumi.dev-ada.yaml"), "config: {}\n");
    expect(() => stackNew("ada", { root, pulumi: fakePulumi().run, log: () => {} })).to.throw(
      /Pulumi.dev-ada.yaml already exists. If it is yours, use it: pulumi up --stack dev-ada/,
    );
  });

  it("gives a program whose resources are unprotected and named after the person", async () => {
    const evaluation = await evaluateProgram("dev-ada", {
      config: { ...personalStackConfig("ada"), personal: { mode: "full" } },
    });
    expect(evaluation.registrations.length).to.be.greaterThan(5);
    expect(evaluation.registrations.filter((r) => r.protect).map((r) => r.name)).to.deep.equal([]);
    const group = evaluation.registrations.find((r) => r.type === "azure-native:resources:ResourceGroup");
    expect(group?.inputs).to.include({ resourceGroupName: "h3ml-dev-ada-rg" });
  });
});

describe("npm run stack:rm", () => {
  it("destroys, then removes the stack", () => {
    const pulumi = fakePulumi();
    expect(stackRm("Ada", true, { root: projectCopy(), pulumi: pulumi.run, log: () => {} })).to.equal(0);
    expect(pulumi.calls).to.deep.equal([
      ["destroy", "--stack", "dev-ada", "--yes"],
      ["stack", "rm", "dev-ada", "--yes"],
    ]);
  });

  it("keeps the stack when destroy fails", () => {
    const pulumi = fakePulumi({ found: true, status: 1 });
    expect(stackRm("ada", false, { root: projectCopy(), pulumi: pulumi.run, log: () => {} })).to.equal(1);
    expect(pulumi.calls).to.deep.equal([["destroy", "--stack", "dev-ada"]]);
  });

  it("fails when the Pulumi CLI is missing, saying nothing was destroyed", () => {
    const log: string[] = [];
    expect(
      stackRm("ada", false, {
        root: projectCopy(),
        pulumi: fakePulumi(missing).run,
        log: (l) => log.push(l),
      }),
    ).to.equal(1);
    expect(log[0]).to.match(/^Pulumi CLI not found: nothing was destroyed/);
  });
});
