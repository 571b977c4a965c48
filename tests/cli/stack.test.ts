import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { devStackReference, resourceNames } from "../../config/naming";
import {
  checkDevStack,
  normalizePerson,
  personalStackConfig,
  personalStackName,
  validatePersonalStack,
} from "../../scripts/lib/personalStack";
import type { PulumiResult } from "../../scripts/lib/pulumiCli";
import { PROJECT_ROOT } from "../../scripts/lib/stackConfig";
import { stackNew, stackRm } from "../../scripts/stack";
import { evaluateProgram } from "../harness/mockProgram";
import { importState, type RealPulumiProject, realPulumiProject } from "./realPulumi";

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
const missing: PulumiResult = { found: false, status: 127, stdout: "", stderr: "" };

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

/** Runs a stack command, returning its exit code and what it printed. */
function run(command: (log: (line: string) => void) => number) {
  const lines: string[] = [];
  const status = command((line) => lines.push(line));
  return { status, log: lines.join("\n") };
}

function stacksOf(project: RealPulumiProject): string[] {
  const result = project.pulumi(["stack", "ls", "--json"], { capture: true });
  expect(result.status, result.stderr).to.equal(0);
  return (JSON.parse(result.stdout) as { name: string }[]).map((s) => s.name);
}

const stackFile = (project: RealPulumiProject, stack = "dev-ada") =>
  path.join(project.root, `Pulumi.${stack}.yaml`);
const configOf = (project: RealPulumiProject, stack = "dev-ada") =>
  parse(readFileSync(stackFile(project, stack), "utf8")).config;

/** What stack-new says when dev's outputs cannot be read yet on a file backend (the CLI's own words inside). */
const DEV_UNREADABLE =
  "Cannot read the outputs of organization/h3-ml/dev yet (error: no stack named 'organization/h3-ml/dev' found): " +
  "dev must be deployed, and your login needs read access to dev's state: Storage Blob Data Reader on its state " +
  "container on a self-managed backend, read on the dev stack (a team) on Pulumi Cloud (docs/personal-stacks.md). ";

/** A fake CLI logged in to Pulumi Cloud: `whoami` answers with the service's URL, `stack ls` with `stacks`. */
function cloudPulumi(stacks: readonly string[] = []) {
  const calls: string[][] = [];
  const run = (args: readonly string[]): PulumiResult => {
    calls.push([...args]);
    const answer = (stdout: string) => ({ found: true, status: 0, stdout, stderr: "" });
    if (args[0] === "whoami") return answer('{"user":"ada","url":"https://api.pulumi.com"}');
    if (args[0] === "stack" && args[1] === "ls")
      return answer(JSON.stringify(stacks.map((name) => ({ name }))));
    return answer("{}");
  };
  return { calls, run };
}

describe("make stack-new (real Pulumi CLI, file backend)", () => {
  it("creates a shared-mode stack: the file of the contract, the stack in the backend, the next command", () => {
    const project = realPulumiProject();
    const { status, log } = run((l) =>
      stackNew("Ada", {}, { root: project.root, pulumi: project.pulumi, log: l }),
    );
    expect(status).to.equal(0);
    expect(configOf(project)).to.deep.equal({
      "h3-ml:environment": "personal",
      "h3-ml:tags": { owner: "ada" },
      // The project's dev stack in this stack's organization, as the program qualifies it.
      "h3-ml:personal": { mode: "shared", devStack: "dev" },
    });
    expect(stacksOf(project)).to.deep.equal(["dev-ada"]);
    expect(log).to.contain("wrote Pulumi.dev-ada.yaml (environment personal, shared mode");
    expect(log).to.contain(`created stack dev-ada. ${DEV_UNREADABLE}Next: pulumi up --stack dev-ada`);
    // The CLI reads the file it wrote, with the program's defaults from Pulumi.yaml around it.
    const read = project.pulumi(["config", "--json", "--stack", "dev-ada"], { capture: true });
    expect(JSON.parse(read.stdout)["h3-ml:personal"].objectValue).to.deep.equal({
      mode: "shared",
      devStack: "dev",
    });
  });

  // The self-managed path of the dev stack's name: the backend gives every stack the organization
  // `organization`, and reads `dev`, `organization/dev` and `organization/h3-ml/dev` as the same stack
  // (pulumi/pulumi pkg/backend/diy/store.go, ParseReference), so the name the program builds from
  // pulumi.getOrganization() resolves, and so does a bare `dev`.
  it("says it reads dev's outputs once dev is deployed, by every name the program may give it", () => {
    const project = realPulumiProject();
    importState(project, "dev", { catalogName: "h3ml_dev" });
    const { log } = run((l) => stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: l }));
    expect(log).to.contain(
      "created stack dev-ada. Reads the outputs of organization/h3-ml/dev. Next: pulumi up --stack dev-ada",
    );
    for (const name of ["dev", "organization/dev", devStackReference("dev", "organization", "h3-ml")]) {
      const read = project.pulumi(["stack", "output", "--json", "--stack", name], { capture: true });
      expect(read.status, `${name}: ${read.stderr}`).to.equal(0);
      expect(JSON.parse(read.stdout), name).to.deep.equal({ catalogName: "h3ml_dev" });
    }
  });

  it("says so on a rerun that finds the file and the stack, and changes nothing", () => {
    const project = realPulumiProject();
    const options = { root: project.root, pulumi: project.pulumi, log: () => {} };
    expect(stackNew("ada", {}, options)).to.equal(0);
    const before = readFileSync(stackFile(project), "utf8");
    const { status, log } = run((l) => stackNew("ada", {}, { ...options, log: l }));
    expect(status).to.equal(0);
    expect(readFileSync(stackFile(project), "utf8")).to.equal(before);
    expect(log).to.equal(
      "Pulumi.dev-ada.yaml exists (shared mode): kept as it is\n" +
        `stack dev-ada exists: nothing to do. ${DEV_UNREADABLE}Next: pulumi up --stack dev-ada`,
    );
  });

  it("finishes on a rerun what a run without the CLI started", () => {
    const project = realPulumiProject();
    const first = run((l) =>
      stackNew("ada", {}, { root: project.root, pulumi: fakePulumi(missing).run, log: l }),
    );
    expect(first.status).to.equal(1);
    expect(first.log).to.match(/^wrote Pulumi.dev-ada.yaml/);
    expect(first.log).to.contain("Pulumi CLI not found. Install the Pulumi CLI");
    expect(first.log).to.contain(
      "The config file is ready; the stack is not created. Then: make stack-new NAME=ada",
    );
    const second = run((l) => stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: l }));
    expect(second.status).to.equal(0);
    expect(second.log).to.contain("kept as it is").and.contain("created stack dev-ada");
    expect(stacksOf(project)).to.deep.equal(["dev-ada"]);
  });

  it("FULL=1 writes today's full copy plus personal.mode full", () => {
    const project = realPulumiProject();
    const { status, log } = run((l) =>
      stackNew("ada", { mode: "full" }, { root: project.root, pulumi: project.pulumi, log: l }),
    );
    expect(status).to.equal(0);
    expect(configOf(project)).to.deep.equal({
      "h3-ml:environment": "personal",
      "h3-ml:tags": { owner: "ada" },
      "h3-ml:eventHubs": {
        sku: "Standard",
        capacity: 1,
        partitionCount: 1,
        messageRetentionDays: 1,
        networkDefaultAction: "Allow",
      },
      "h3-ml:storage": { sku: "Standard_LRS", rawRetentionDays: 1 },
      "h3-ml:databricks": {
        pauseSchedules: true,
        nodeType: "Standard_D4ds_v5",
        maxWorkers: 1,
        jobWorkers: 0,
      },
      "h3-ml:personal": { mode: "full" },
    });
    expect(log)
      .to.contain("full mode: a whole copy of the platform")
      .and.contain("created stack dev-ada. Next: pulumi up --stack dev-ada");
    expect(log).not.to.contain("outputs of");
  });

  it("DEV_STACK names the dev stack a shared stack reads, in the backend's organization", () => {
    const project = realPulumiProject();
    const options = { root: project.root, pulumi: project.pulumi, log: () => {} };
    expect(stackNew("ada", { devStack: "organization/h3-ml/dev" }, options)).to.equal(0);
    expect(configOf(project)["h3-ml:personal"]).to.deep.equal({
      mode: "shared",
      devStack: "organization/h3-ml/dev",
    });
    expect(stacksOf(project)).to.deep.equal(["dev-ada"]);
  });

  it("refuses, writing nothing, a DEV_STACK in another organization on a self-managed backend, which refuses it too", () => {
    const project = realPulumiProject();
    expect(() =>
      stackNew(
        "ada",
        { devStack: "h3-team/h3-ml/dev" },
        { root: project.root, pulumi: project.pulumi, log: () => {} },
      ),
    ).to.throw(
      "DEV_STACK h3-team/h3-ml/dev names the organization h3-team, but this backend is self-managed, where every " +
        'stack\'s organization is "organization" (it refuses any other). Fix: leave DEV_STACK out, or ' +
        "DEV_STACK=organization/h3-ml/dev",
    );
    expect(existsSync(stackFile(project))).to.equal(false);
    expect(stacksOf(project)).to.deep.equal([]);
    const init = project.pulumi(["stack", "init", "h3-team/dev-ada"], { capture: true });
    expect(init.status).to.not.equal(0);
    expect(init.stderr).to.contain("organization name must be 'organization'");
  });

  // On a self-managed backend, access is per container: a developer who reads dev's state there reads (and,
  // with the write a personal stack's own state needs, overwrites) whatever else the container holds.
  it("refuses, writing nothing, a self-managed backend that holds prod next to dev", () => {
    const project = realPulumiProject();
    for (const stack of ["dev", "prod"]) expect(project.pulumi(["stack", "init", stack]).status).to.equal(0);
    expect(() => stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: () => {} })).to.throw(
      `the backend file://${project.backend} holds the prod stack: whoever may read dev's state there to build a ` +
        "personal stack could read and overwrite prod's. Nothing was created. Fix: move prod to a state " +
        'container of its own (docs/deployment.md, "State and secrets"), then run this again logged in to dev\'s',
    );
    expect(existsSync(stackFile(project))).to.equal(false);
    expect(stacksOf(project).sort()).to.deep.equal(["dev", "prod"]);
  });

  it("refuses, writing nothing, prod's or dev's secrets provider for a personal stack", () => {
    const project = realPulumiProject();
    const prodKey = "azurekeyvault://h3-prod.vault.azure.net/keys/pulumi";
    writeFileSync(path.join(project.root, "Pulumi.prod.yaml"), `secretsprovider: ${prodKey}\nconfig: {}\n`);
    const env = { PULUMI_SECRETS_PROVIDER: prodKey };
    expect(() =>
      stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: () => {}, env }),
    ).to.throw(
      `PULUMI_SECRETS_PROVIDER is ${prodKey}, the secrets provider of prod (Pulumi.prod.yaml): a personal stack ` +
        "keeps its secrets with a key of its own, or whoever can use it decrypts prod's. Nothing was created.",
    );
    expect(existsSync(stackFile(project))).to.equal(false);
  });

  // Pulumi Cloud's rules, pinned from the CLI's source: a stack's organization is its owner
  // (pkg/backend/httpstate/state.go), `pulumi stack init <org>/<stack>` creates it in that organization
  // (httpstate/backend.go, ParseStackReference), and a StackReference must be fully qualified (GetStackOutputs;
  // pulumi/pulumi#2522). The service itself is out of reach here, so a fake CLI stands in for it.
  it("creates the stack in the organization of DEV_STACK on Pulumi Cloud", () => {
    const pulumi = cloudPulumi();
    const root = projectCopy();
    stackNew("ada", { devStack: "h3-team/h3-ml/dev" }, { root, pulumi: pulumi.run, log: () => {} });
    expect(pulumi.calls).to.deep.equal([
      ["version"],
      ["stack", "ls", "--json"],
      ["whoami", "--json"],
      ["stack", "init", "h3-team/dev-ada"],
      ["stack", "output", "--json", "--stack", "h3-team/h3-ml/dev"],
    ]);
    expect(() =>
      stackNew("bob", { devStack: "h3-team/other/dev" }, { root, pulumi: cloudPulumi().run, log: () => {} }),
    ).to.throw(
      "DEV_STACK h3-team/other/dev is a stack of the project other; a personal stack of h3-ml reads h3-ml's dev " +
        "stack. Fix: DEV_STACK=h3-team/h3-ml/dev",
    );
  });

  it("leaves prod next to dev to Pulumi Cloud, whose access is per stack, and reads dev where it creates the stack", () => {
    const pulumi = cloudPulumi(["dev", "prod"]);
    expect(stackNew("ada", {}, { root: projectCopy(), pulumi: pulumi.run, log: () => {} })).to.equal(0);
    // Without DEV_STACK, the stack lands in the CLI's default organization and reads that organization's dev,
    // as the program does with pulumi.getOrganization().
    expect(pulumi.calls.slice(3)).to.deep.equal([
      ["stack", "init", "dev-ada"],
      ["stack", "output", "--json", "--stack", "dev"],
    ]);
  });

  it("takes a DEV_STACK that is a stack name or fully qualified, and refuses anything else with the fix", () => {
    expect(checkDevStack("dev")).to.equal("dev");
    expect(checkDevStack("acme/h3-ml/dev")).to.equal("acme/h3-ml/dev");
    expect(() => checkDevStack("acme/dev")).to.throw(
      'DEV_STACK must be a stack name of this project (dev) or the fully qualified <org>/<project>/<stack> of the dev stack, got "acme/dev". Fix: leave DEV_STACK out',
    );
  });

  it("refuses to switch the mode or the dev stack of an existing file, and changes nothing", () => {
    const project = realPulumiProject();
    const options = { root: project.root, pulumi: project.pulumi, log: () => {} };
    stackNew("ada", {}, options);
    const before = readFileSync(stackFile(project), "utf8");
    expect(() => stackNew("ada", { mode: "full" }, options)).to.throw(
      "Pulumi.dev-ada.yaml already exists in shared mode; you asked for full. Nothing was changed. Fix: make stack-rm NAME=ada, then make stack-new NAME=ada FULL=1",
    );
    expect(() => stackNew("ada", { mode: "shared", devStack: "team/h3-ml/dev" }, options)).to.throw(
      "Fix: pulumi config set --path personal.devStack team/h3-ml/dev --stack dev-ada",
    );
    expect(readFileSync(stackFile(project), "utf8")).to.equal(before);
  });

  it("refuses an existing file that states no personal.mode, as the program does, and changes nothing", () => {
    const project = realPulumiProject();
    const options = { root: project.root, pulumi: project.pulumi, log: () => {} };
    stackNew("ada", {}, options);
    const file = stackFile(project);
    writeFileSync(file, readFileSync(file, "utf8").replace(/^ {4}mode: shared\n/m, ""));
    const before = readFileSync(file, "utf8");
    expect(configOf(project)["h3-ml:personal"]).to.deep.equal({ devStack: "dev" });
    expect(() => stackNew("ada", {}, options)).to.throw(
      "Pulumi.dev-ada.yaml sets no personal.mode (shared or full), got undefined; nothing was changed. " +
        "Fix: pulumi config set --path personal.mode shared --stack dev-ada, or " +
        "pulumi config set --path personal.mode full --stack dev-ada if it is a full copy",
    );
    expect(readFileSync(file, "utf8")).to.equal(before);
  });

  it("refuses a stack that exists in the backend without a file here, and removes the file it wrote", () => {
    const project = realPulumiProject();
    expect(project.pulumi(["stack", "init", "dev-ada"]).status).to.equal(0);
    rmSync(stackFile(project), { force: true });
    expect(() => stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: () => {} })).to.throw(
      /stack dev-ada already exists in the backend, but Pulumi.dev-ada.yaml did not exist here.*pick another name/,
    );
    expect(existsSync(stackFile(project))).to.equal(false);
  });

  it("creates the stack with the configured secrets provider", () => {
    const project = realPulumiProject();
    const calls: string[][] = [];
    const recording = (args: readonly string[], call?: { capture?: boolean }) => {
      calls.push([...args]);
      return project.pulumi(args, call);
    };
    const env = { PULUMI_SECRETS_PROVIDER: "passphrase" };
    expect(stackNew("ada", {}, { root: project.root, pulumi: recording, log: () => {}, env })).to.equal(0);
    expect(calls).to.deep.include(["stack", "init", "dev-ada", "--secrets-provider", "passphrase"]);
    expect(parse(readFileSync(stackFile(project), "utf8"))).to.have.property("encryptionsalt");
  });

  it("writes a full copy that the program's validator accepts as a small, personal environment", () => {
    const root = projectCopy();
    const config = validatePersonalStack("ada", { mode: "full" }, root);
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

  it("writes a shared stack whose config the validator reads as personal, paused, single node", () => {
    const config = validatePersonalStack("ada", {}, projectCopy());
    expect(config).to.deep.include({ stack: "dev-ada", environment: "personal" });
    expect(config.databricks).to.deep.include({
      pauseSchedules: true,
      jobWorkers: 0,
      analyticsCluster: undefined,
    });
  });

  it("writes a full copy whose plan has every job paused, single node, no analytics cluster and nothing protected", async () => {
    const project = realPulumiProject();
    // The team's seed comes from dev's stack file, as in the checkout.
    copyFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), path.join(project.root, "Pulumi.dev.yaml"));
    stackNew("ada", { mode: "full" }, { root: project.root, pulumi: project.pulumi, log: () => {} });
    expect(configOf(project)["h3-ml:nameSeed"]).to.equal("h3-health");
    const plan = await evaluateProgram("dev-ada", { config: configOf(project) });
    const jobs = plan.registrations.filter((r) => r.type === "databricks:index/job:Job");
    expect(jobs.map((j) => j.name).sort()).to.deep.equal(["jobs-delete", "jobs-ingest", "jobs-normalize"]);
    for (const job of jobs) {
      const start = job.inputs.schedule ?? job.inputs.trigger;
      expect(start?.pauseStatus, job.name).to.equal("PAUSED");
      expect(job.inputs.jobClusters[0].newCluster.numWorkers, job.name).to.equal(0);
    }
    expect(plan.registrations.filter((r) => r.type === "databricks:index/cluster:Cluster")).to.deep.equal([]);
    expect(plan.registrations.filter((r) => r.protect).map((r) => r.name)).to.deep.equal([]);
    const group = plan.registrations.find((r) => r.type === "azure-native:resources:ResourceGroup");
    expect(group?.inputs).to.include({ resourceGroupName: "h3ml-dev-ada-rg" });
  });

  it("writes only the environment, the owner tag and the personal block in shared mode", () => {
    expect(Object.keys(personalStackConfig("ada"))).to.deep.equal(["environment", "tags", "personal"]);
  });
});

describe("make stack-rm (real Pulumi CLI, file backend)", () => {
  it("destroys and removes the stack and its file", () => {
    const project = realPulumiProject();
    stackNew("ada", {}, { root: project.root, pulumi: project.pulumi, log: () => {} });
    const { status, log } = run((l) =>
      stackRm("Ada", true, { root: project.root, pulumi: project.pulumi, log: l }),
    );
    expect(status).to.equal(0);
    expect(log).to.equal("destroyed and removed dev-ada");
    expect(stacksOf(project)).to.deep.equal([]);
    expect(existsSync(stackFile(project))).to.equal(false);
  });

  it("says there is nothing to destroy on a rerun, and removes a file left without a stack", () => {
    const project = realPulumiProject();
    writeFileSync(stackFile(project), "config: {}\n");
    const { status, log } = run((l) =>
      stackRm("ada", true, { root: project.root, pulumi: project.pulumi, log: l }),
    );
    expect(status).to.equal(0);
    expect(log).to.equal(
      "stack dev-ada does not exist in the backend (`pulumi whoami` shows which one): nothing to destroy; removed Pulumi.dev-ada.yaml",
    );
    expect(existsSync(stackFile(project))).to.equal(false);
  });

  it("keeps the stack when destroy fails", () => {
    const listed: PulumiResult = { found: true, status: 0, stdout: '[{"name":"dev-ada"}]', stderr: "" };
    const pulumi = fakePulumi(listed, listed, { found: true, status: 1, stdout: "", stderr: "" });
    const log: string[] = [];
    expect(
      stackRm("ada", false, { root: projectCopy(), pulumi: pulumi.run, log: (l) => log.push(l) }),
    ).to.equal(1);
    expect(pulumi.calls.slice(2)).to.deep.equal([["destroy", "--stack", "dev-ada"]]);
    expect(log).to.deep.equal([
      "`pulumi destroy --stack dev-ada` failed (exit 1); stack dev-ada is left as it is.",
    ]);
  });

  it("fails when the Pulumi CLI is missing, saying nothing was destroyed and what to run", () => {
    const log: string[] = [];
    expect(
      stackRm("ada", false, {
        root: projectCopy(),
        pulumi: fakePulumi(missing).run,
        log: (l) => log.push(l),
      }),
    ).to.equal(1);
    expect(log.join("\n")).to.match(
      /^Pulumi CLI not found\. Install the Pulumi CLI .*\nNothing was destroyed\. Then: pulumi destroy --stack dev-ada && pulumi stack rm dev-ada$/,
    );
  });
});

describe("scripts/stack.ts on the command line", () => {
  const script = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", "stack.ts"), ...args],
      {
        cwd: PROJECT_ROOT,
        env,
        encoding: "utf8",
      },
    );

  it("says what is missing when no Pulumi CLI is installed, and exits 1", () => {
    const result = script(["rm", "ada", "--yes"], { PATH: "", HOME: tmpdir() });
    expect(result.status).to.equal(1);
    expect(result.stdout).to.contain(
      "Pulumi CLI not found. Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/)",
    );
    expect(result.stdout).to.contain("Nothing was destroyed.");
  });

  it("prints the usage for FULL=1 together with DEV_STACK, and exits 2", () => {
    const result = script(["new", "ada", "--full", "--dev-stack", "a/h3-ml/dev"], {
      PATH: "",
      HOME: tmpdir(),
    });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.equal("a full copy reads no dev stack: give FULL=1 or DEV_STACK, not both\n");
  });
});
